import { listWorkers } from "@bulwark/db/workers";
import { toJson } from "@/lib/api";
import { getDb } from "@/server/db";
import { WorkersClient } from "./workers-client";

export const dynamic = "force-dynamic";

export default async function WorkersPage() {
  return <WorkersClient initial={toJson(await listWorkers(getDb()))} />;
}
