import { listVersions } from "@bulwark/db/config-store";
import { toJson } from "@/lib/api";
import { getDb } from "@/server/db";
import { VersionsClient } from "./versions-client";
import { requirePage } from "@/server/auth/page-auth";

export const dynamic = "force-dynamic";

export default async function VersionsPage() {
  await requirePage();
  return <VersionsClient initialVersions={toJson(await listVersions(getDb()))} />;
}
