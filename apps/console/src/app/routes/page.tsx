import { listRoutes, listServices } from "@bulwark/db/config-store";
import { getDb } from "@/server/db";
import { RoutesClient } from "./routes-client";
import "../access.css";
import { requirePage } from "@/server/auth/page-auth";

export const dynamic = "force-dynamic";

export default async function RoutesPage() {
  await requirePage();
  const db = getDb();
  const [routes, services] = await Promise.all([listRoutes(db), listServices(db)]);
  return <RoutesClient initialRoutes={routes} initialServices={services} />;
}
