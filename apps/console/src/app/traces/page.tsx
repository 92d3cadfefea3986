import { listRoutes } from "@bulwark/db/config-store";
import { getDb } from "@/server/db";
import { TracesClient } from "./traces-client";
import { requirePage } from "@/server/auth/page-auth";

export const dynamic = "force-dynamic";

export default async function TracesPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  await requirePage();
  const q = await searchParams;
  const routes = await listRoutes(getDb());
  return <TracesClient routes={routes.map((r) => r.name)} initial={{ route: q.route ?? "", status: q.status ?? "", minDurationMs: q.minDurationMs ?? "" }} />;
}
