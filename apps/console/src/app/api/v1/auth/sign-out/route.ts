import { signOut } from "@bulwark/db/auth";
import { BadRequestError } from "@/server/api-error";
import { handle } from "@/server/http/handle";
import { clearedSessionCookie, readSessionCookie } from "@/server/auth/session-cookie";

export const dynamic = "force-dynamic";

/** Revokes the session on the server (a copied cookie is then worthless) and clears the cookie. */
export const POST = handle(
  async ({ db, request, principal, audit }) => {
    if (principal.kind !== "user") throw new BadRequestError("NOT_A_SESSION", "API tokens are revoked with DELETE /api/v1/tokens/{id}");
    await signOut(db, readSessionCookie(request.headers)!, audit.ip);
    return new Response(null, { status: 204, headers: { "set-cookie": clearedSessionCookie(request) } });
  },
  { role: "viewer" },
);
