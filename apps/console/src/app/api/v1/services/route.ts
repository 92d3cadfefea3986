import { createService, listServices } from "@bulwark/db/config-store";
import { handle, readJson } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db }) => listServices(db));
export const POST = handle(async ({ db, request, audit }) => createService(db, await readJson(request), audit), { status: 201 });
