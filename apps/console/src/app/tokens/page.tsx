import { listTokens } from "@bulwark/db/tokens";
import { toJson } from "@/lib/api";
import { getDb } from "@/server/db";
import { requirePage } from "@/server/auth/page-auth";
import { TokensClient } from "./tokens-client";

export const dynamic = "force-dynamic";

export default async function TokensPage() {
  await requirePage("admin");
  return <TokensClient initialTokens={toJson(await listTokens(getDb()))} />;
}
