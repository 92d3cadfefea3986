import { randomBytes } from "node:crypto";
import { SYSTEM_ACTOR } from "@bulwark/db/audit";
import { sha256 } from "@bulwark/db/auth";
import type { Role } from "@bulwark/db/roles";
import { createToken } from "@bulwark/db/tokens";
import { getDb } from "@/server/db";

export const ORIGIN = "http://console.test";

/** An API token of a role, made directly in the database (the API that makes them is itself under test). */
export async function makeToken(role: Role, name = `test-${role}-${randomBytes(3).toString("hex")}`): Promise<{ token: string; name: string }> {
  const { token } = await createToken(getDb(), { name, role, expiresInDays: 1 }, { actor: SYSTEM_ACTOR, ip: null });
  return { token, name };
}

/**
 * A signed-in browser of a role: a user and a session row, without paying for a password hash (sign-in
 * itself is tested on its own). Returns the cookie header and the user's email.
 */
export async function makeSession(role: Role): Promise<{ cookie: string; email: string; userId: string }> {
  const db = getDb();
  const email = `${role}-${randomBytes(4).toString("hex")}@test`;
  const user = await db.user.create({ data: { email, role, passwordHash: "not-a-hash" } });
  const token = randomBytes(32).toString("base64url");
  await db.session.create({ data: { tokenHash: sha256(token), userId: user.id, expiresAt: new Date(Date.now() + 3600_000) } });
  return { cookie: `bulwark_session=${token}`, email, userId: user.id };
}

/** Headers of an admin API client, for tests about something else than access. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
