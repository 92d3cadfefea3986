import { deleteConsumer, getConsumer, updateConsumer } from "@bulwark/db/consumers";
import { handle, readJson } from "@/server/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, params }) => getConsumer(db, params.name));
export const PUT = handle(async ({ db, request, params }) => updateConsumer(db, params.name, await readJson(request)));
export const DELETE = handle(({ db, params }) => deleteConsumer(db, params.name));
