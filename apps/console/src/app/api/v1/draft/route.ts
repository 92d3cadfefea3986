import { getDraftStatus } from "@bulwark/db/config-store";
import { handle } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const GET = handle(({ db }) => getDraftStatus(db));
