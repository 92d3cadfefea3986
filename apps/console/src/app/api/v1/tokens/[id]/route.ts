import { revokeToken } from "@bulwark/db/tokens";
import { handle } from "@/server/http/handle";

export const dynamic = "force-dynamic";

/** Revokes: the row stays (listed as revoked, and named by the audit log), the token stops working at once. */
export const DELETE = handle(
  async ({ db, params, audit }) => {
    await revokeToken(db, params.id, audit);
  },
  { role: "admin" },
);
