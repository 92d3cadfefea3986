import { revokeApiKey } from "@bulwark/db/consumers";
import { handle } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const DELETE = handle(async ({ db, params, audit }) => {
  await revokeApiKey(db, params.name, params.id, audit);
});
