import { createSlo, listSlos } from "@bulwark/db/slos";
import { handle, readJson } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db }) => listSlos(db));
export const POST = handle(async ({ db, request, audit }) => createSlo(db, await readJson(request), audit), { status: 201 });
