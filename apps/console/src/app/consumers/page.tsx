import { listConsumers } from "@bulwark/db/consumers";
import { getDb } from "@/server/db";
import { ConsumersClient } from "./consumers-client";
import "../access.css";

export const dynamic = "force-dynamic";

export default async function ConsumersPage() {
  return <ConsumersClient initialConsumers={await listConsumers(getDb())} />;
}
