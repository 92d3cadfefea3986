import { getSloReport } from "@bulwark/db/slos";
import { handle } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, params }) => getSloReport(db, params.name));
