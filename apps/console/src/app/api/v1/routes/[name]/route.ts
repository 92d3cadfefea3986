import { deleteRoute, getRoute, updateRoute } from "@bulwark/db/config-store";
import { handle, readJson } from "@/server/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, params }) => getRoute(db, params.name));
export const PUT = handle(async ({ db, request, params }) => updateRoute(db, params.name, await readJson(request)));
export const DELETE = handle(({ db, params }) => deleteRoute(db, params.name));
