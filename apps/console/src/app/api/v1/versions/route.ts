import { listVersions } from "@bulwark/db/config-store";
import { handle } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, request }) => {
  const limit = Number(new URL(request.url).searchParams.get("limit") ?? 50);
  return listVersions(db, Number.isFinite(limit) ? limit : 50);
});
