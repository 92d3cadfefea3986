import { handle } from "@/server/http/handle";
import { readTrace } from "@/server/read-trace";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, params }) => readTrace(db, params.traceId));
