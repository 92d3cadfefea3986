import { deleteService, getService, updateService } from "@bulwark/db/config-store";
import { handle, readJson } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, params }) => getService(db, params.name));
export const PUT = handle(async ({ db, request, params, audit }) => updateService(db, params.name, await readJson(request), audit));
export const DELETE = handle(({ db, params, audit }) => deleteService(db, params.name, audit));
