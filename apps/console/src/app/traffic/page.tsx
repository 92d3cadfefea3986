import { TIME_RANGE_NAMES, type TimeRange } from "@bulwark/config/slo";
import { listRoutes, listServices } from "@bulwark/db/config-store";
import { getDb } from "@/server/db";
import { TrafficClient } from "./traffic-client";
import { requirePage } from "@/server/auth/page-auth";

export const dynamic = "force-dynamic";

export default async function TrafficPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  await requirePage();
  const q = await searchParams;
  const db = getDb();
  const [routes, services] = await Promise.all([listRoutes(db), listServices(db)]);
  const scope = q.scope === "service" ? "service" : "route";
  const names = (scope === "route" ? routes : services).map((e) => e.name);
  const range = TIME_RANGE_NAMES.includes(q.range as TimeRange) ? (q.range as TimeRange) : "1h";
  return <TrafficClient routes={routes.map((r) => r.name)} services={services.map((s) => s.name)} initial={{ scope, name: q.name ?? names[0] ?? "", range }} />;
}
