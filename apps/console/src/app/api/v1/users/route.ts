import { createUser, listUsers } from "@bulwark/db/users";
import { handle, readJson } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db }) => listUsers(db), { role: "admin" });
/** Without a password in the body, a random one is made and is in this answer only. */
export const POST = handle(async ({ db, request, audit }) => createUser(db, await readJson(request), audit), { role: "admin", status: 201 });
