import { listSloAlerts } from "@bulwark/db/slos";
import { handle } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, params }) => listSloAlerts(db, params.name));
