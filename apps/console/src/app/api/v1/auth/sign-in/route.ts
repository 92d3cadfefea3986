import { signIn } from "@bulwark/db/auth";
import { handle, readJson } from "@/server/http/handle";
import { readSessionCookie, sessionCookie } from "@/server/auth/session-cookie";

export const dynamic = "force-dynamic";

/**
 * The one public route. Its Origin is checked like every cookie-borne state change (no login CSRF), and the
 * session id is new every time; the browser's previous session, if any, is revoked.
 */
export const POST = handle(
  async ({ db, request, ip }) => {
    const body = (await readJson(request)) as { email?: unknown; password?: unknown };
    const signed = await signIn(db, {
      email: body?.email,
      password: body?.password,
      ip,
      userAgent: request.headers.get("user-agent"),
      previousToken: readSessionCookie(request.headers),
    });
    return Response.json({ user: signed.user, expiresAt: signed.expiresAt }, { headers: { "set-cookie": sessionCookie(request, signed.token), "cache-control": "no-store" } });
  },
  { role: "public" },
);
