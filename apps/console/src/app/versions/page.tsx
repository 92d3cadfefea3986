import { listVersions } from "@bulwark/db/config-store";
import { toJson } from "@/lib/api";
import { getDb } from "@/server/db";
import { VersionsClient } from "./versions-client";

export const dynamic = "force-dynamic";

export default async function VersionsPage() {
  return <VersionsClient initialVersions={toJson(await listVersions(getDb()))} />;
}
