import { publishDraft } from "@bulwark/db/config-store";
import { ValidationError } from "@bulwark/db/errors";
import { handle, readJson } from "@/server/http/handle";

export const dynamic = "force-dynamic";

export const POST = handle(
  async ({ db, request, audit }) => {
    const body = (await readJson(request, { optional: true })) as { message?: unknown } | null;
    const message = body && typeof body === "object" ? body.message : undefined;
    if (message !== undefined && message !== null && typeof message !== "string") {
      throw new ValidationError([{ path: "message", message: "must be a string" }]);
    }
    // The author is who is signed in (or the token's name), never a header the caller picks.
    return publishDraft(db, { author: audit.actor.name, message: message ?? undefined }, audit);
  },
  { status: 201 },
);
