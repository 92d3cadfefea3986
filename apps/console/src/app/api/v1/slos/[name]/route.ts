import { deleteSlo, getSlo, updateSlo } from "@bulwark/db/slos";
import { handle, readJson } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, params }) => getSlo(db, params.name));
export const PUT = handle(async ({ db, request, params, audit }) => updateSlo(db, params.name, await readJson(request), audit));
export const DELETE = handle(({ db, params, audit }) => deleteSlo(db, params.name, audit));
