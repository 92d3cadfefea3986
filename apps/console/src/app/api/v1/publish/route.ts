import { publishDraft } from "@bulwark/db/config-store";
import { ValidationError } from "@bulwark/db/errors";
import { handle, publishAuthor, readJson } from "@/server/handle";

export const dynamic = "force-dynamic";

export const POST = handle(
  async ({ db, request }) => {
    const body = (await readJson(request, { optional: true })) as { message?: unknown } | null;
    const message = body && typeof body === "object" ? body.message : undefined;
    if (message !== undefined && message !== null && typeof message !== "string") {
      throw new ValidationError([{ path: "message", message: "must be a string" }]);
    }
    return publishDraft(db, { author: publishAuthor(request), message: message ?? undefined });
  },
  { status: 201 },
);
