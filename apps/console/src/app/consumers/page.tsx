import { listConsumers } from "@bulwark/db/consumers";
import { getDb } from "@/server/db";
import { ConsumersClient } from "./consumers-client";
import "../access.css";
import { requirePage } from "@/server/auth/page-auth";

export const dynamic = "force-dynamic";

export default async function ConsumersPage() {
  await requirePage();
  return <ConsumersClient initialConsumers={await listConsumers(getDb())} />;
}
