import { createApiKey } from "@bulwark/db/consumers";
import { handle } from "@/server/http/handle";

export const dynamic = "force-dynamic";

/** The key itself is in this answer only: it is stored as a hash. */
export const POST = handle(
  async ({ db, params, audit }) => {
    const { id, key } = await createApiKey(db, params.name, audit);
    return { id, key, consumer: params.name, note: "shown once: store it now; it takes effect when the draft is published" };
  },
  { status: 201 },
);
