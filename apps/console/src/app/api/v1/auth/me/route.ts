import { handle } from "@/server/http/handle";

export const dynamic = "force-dynamic";

/** Who the credentials belong to, and their role. */
export const GET = handle(async ({ principal }) => ({ kind: principal.kind, id: principal.id, name: principal.name, role: principal.role }));
