import { listSloReports } from "@bulwark/db/slos";
import { handle } from "@/server/http/handle";

export const dynamic = "force-dynamic";

/** Every SLO's status, worst first (the overview dashboard). */
export const GET = handle(({ db }) => listSloReports(db));
