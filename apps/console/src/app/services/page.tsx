import { listServices } from "@bulwark/db/config-store";
import { getDb } from "@/server/db";
import { ServicesClient } from "./services-client";
import { requirePage } from "@/server/auth/page-auth";

export const dynamic = "force-dynamic";

export default async function ServicesPage() {
  await requirePage();
  return <ServicesClient initialServices={await listServices(getDb())} />;
}
