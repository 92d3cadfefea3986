import { listRoutes, listServices } from "@bulwark/db/config-store";
import { listSloReports } from "@bulwark/db/slos";
import { toJson } from "@/lib/api";
import { getDb } from "@/server/db";
import { SlosClient } from "./slos-client";
import { requirePage } from "@/server/auth/page-auth";

export const dynamic = "force-dynamic";

export default async function SlosPage() {
  await requirePage();
  const db = getDb();
  const [reports, routes, services] = await Promise.all([listSloReports(db), listRoutes(db), listServices(db)]);
  return <SlosClient initial={toJson(reports)} routes={routes.map((r) => r.name)} services={services.map((s) => s.name)} />;
}
