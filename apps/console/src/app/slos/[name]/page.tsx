import { notFound } from "next/navigation";
import { TIME_RANGES } from "@bulwark/config/slo";
import { listRoutes, listServices } from "@bulwark/db/config-store";
import { NotFoundError } from "@bulwark/db/errors";
import { getSloHistory, getSloReport, listSloAlerts } from "@bulwark/db/slos";
import { toJson } from "@/lib/api";
import { getDb } from "@/server/db";
import { SloDetailClient } from "./slo-detail-client";
import { requirePage } from "@/server/auth/page-auth";

export const dynamic = "force-dynamic";

const INITIAL_RANGE = "24h";

export default async function SloPage({ params }: { params: Promise<{ name: string }> }) {
  await requirePage();
  const name = decodeURIComponent((await params).name);
  const db = getDb();
  const now = new Date();
  const [report, history, alerts, routes, services] = await Promise.all([
    getSloReport(db, name, now),
    getSloHistory(db, name, TIME_RANGES[INITIAL_RANGE], now),
    listSloAlerts(db, name),
    listRoutes(db),
    listServices(db),
  ]).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  return (
    <SloDetailClient
      key={name}
      initial={{ report: toJson(report), history: toJson({ range: INITIAL_RANGE, ...history }), alerts: toJson(alerts) }}
      routes={routes.map((r) => r.name)}
      services={services.map((s) => s.name)}
    />
  );
}
