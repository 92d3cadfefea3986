import { TraceQuerySchema } from "@bulwark/config/slo";
import { listTraces } from "@bulwark/db/traces";
import { handle } from "@/server/http/handle";
import { parseQuery } from "@/server/http/parse-query";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, request }) => listTraces(db, parseQuery(TraceQuerySchema, request)));
