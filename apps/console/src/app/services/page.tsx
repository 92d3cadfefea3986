import { listServices } from "@bulwark/db/config-store";
import { getDb } from "@/server/db";
import { ServicesClient } from "./services-client";

export const dynamic = "force-dynamic";

export default async function ServicesPage() {
  return <ServicesClient initialServices={await listServices(getDb())} />;
}
