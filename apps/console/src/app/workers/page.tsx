import { listWorkers } from "@bulwark/db/workers";
import { toJson } from "@/lib/api";
import { getDb } from "@/server/db";
import { WorkersClient } from "./workers-client";
import { requirePage } from "@/server/auth/page-auth";

export const dynamic = "force-dynamic";

export default async function WorkersPage() {
  await requirePage();
  return <WorkersClient initial={toJson(await listWorkers(getDb()))} />;
}
