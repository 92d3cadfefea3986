import { deleteRoute, getRoute, updateRoute } from "@bulwark/db/config-store";
import { handle, readJson } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, params }) => getRoute(db, params.name));
export const PUT = handle(async ({ db, request, params, audit }) => updateRoute(db, params.name, await readJson(request), audit));
export const DELETE = handle(({ db, params, audit }) => deleteRoute(db, params.name, audit));
