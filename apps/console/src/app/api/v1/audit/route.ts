import { AuditQuerySchema } from "@bulwark/config/console-access";
import { listAudit } from "@bulwark/db/audit";
import { handle } from "@/server/http/handle";
import { parseQuery } from "@/server/http/parse-query";

export const dynamic = "force-dynamic";

/** Admins only: entries name client addresses and the emails of failed sign-ins. */
export const GET = handle(async ({ db, request }) => listAudit(db, parseQuery(AuditQuerySchema, request)), { role: "admin" });
