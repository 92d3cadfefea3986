import { createRoute, listRoutes } from "@bulwark/db/config-store";
import { handle, readJson } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db }) => listRoutes(db));
export const POST = handle(async ({ db, request, audit }) => createRoute(db, await readJson(request), audit), { status: 201 });
