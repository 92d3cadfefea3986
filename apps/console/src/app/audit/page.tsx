import { listAudit } from "@bulwark/db/audit";
import { toJson } from "@/lib/api";
import { getDb } from "@/server/db";
import { requirePage } from "@/server/auth/page-auth";
import { AuditClient } from "./audit-client";

export const dynamic = "force-dynamic";

/** Admins only: entries carry client addresses and the emails typed into failed sign-ins. */
export default async function AuditPage() {
  await requirePage("admin");
  return <AuditClient initialEntries={toJson(await listAudit(getDb(), { limit: 100 }))} />;
}
