import { deleteConsumer, getConsumer, updateConsumer } from "@bulwark/db/consumers";
import { handle, readJson } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, params }) => getConsumer(db, params.name));
export const PUT = handle(async ({ db, request, params, audit }) => updateConsumer(db, params.name, await readJson(request), audit));
export const DELETE = handle(({ db, params, audit }) => deleteConsumer(db, params.name, audit));
