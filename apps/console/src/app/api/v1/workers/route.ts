import { listWorkers } from "@bulwark/db/workers";
import { handle } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db }) => listWorkers(db));
