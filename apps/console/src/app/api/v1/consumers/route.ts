import { createConsumer, listConsumers } from "@bulwark/db/consumers";
import { handle, readJson } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db }) => listConsumers(db));
export const POST = handle(async ({ db, request, audit }) => createConsumer(db, await readJson(request), audit), { status: 201 });
