import { getVersion } from "@bulwark/db/config-store";
import { NotFoundError } from "@bulwark/db/errors";
import { handle } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, params }) => {
  const version = Number(params.version);
  if (!/^\d{1,9}$/.test(params.version) || !Number.isSafeInteger(version)) throw new NotFoundError(`version ${params.version} does not exist`);
  return getVersion(db, version);
});
