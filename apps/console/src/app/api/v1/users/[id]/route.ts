import { deleteUser, updateUser } from "@bulwark/db/users";
import { handle, readJson } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const PUT = handle(async ({ db, request, params, audit }) => updateUser(db, params.id, await readJson(request), audit), { role: "admin" });
export const DELETE = handle(({ db, params, audit }) => deleteUser(db, params.id, audit), { role: "admin" });
