import { listUsers } from "@bulwark/db/users";
import { toJson } from "@/lib/api";
import { getDb } from "@/server/db";
import { requirePage } from "@/server/auth/page-auth";
import { UsersClient } from "./users-client";

export const dynamic = "force-dynamic";

export default async function UsersPage() {
  const me = await requirePage("admin");
  return <UsersClient initialUsers={toJson(await listUsers(getDb()))} me={me.id} />;
}
