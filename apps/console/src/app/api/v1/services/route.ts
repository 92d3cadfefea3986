import { createService, listServices } from "@bulwark/db/config-store";
import { handle, readJson } from "@/server/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db }) => listServices(db));
export const POST = handle(async ({ db, request }) => createService(db, await readJson(request)), { status: 201 });
