import { createToken, listTokens } from "@bulwark/db/tokens";
import { handle, readJson } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db }) => listTokens(db), { role: "admin" });
/** The token itself is in this answer only: it is stored as a hash. */
export const POST = handle(async ({ db, request, audit }) => createToken(db, await readJson(request), audit), { role: "admin", status: 201 });
