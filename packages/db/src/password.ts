import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { TooManyRequestsError } from "./errors";

/**
 * scrypt with OWASP's parameters (N=2^17, r=8, p=1: 128 MiB and a few hundred ms per hash), stored as
 * `scrypt$ln=17,r=8,p=1$<salt>$<hash>` so the parameters can be raised later and old hashes still verify.
 * node:crypto's scrypt runs on libuv's thread pool, so hashing never blocks the event loop.
 */
const SCRYPT_PARAMS = { ln: 17, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, ln: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** ln;
  // Node's default maxmem (32 MiB) is below what N=2^17, r=8 needs (128 * N * r = 128 MiB).
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r * p + 64 * 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, options, (e, key) => (e ? reject(e) : resolve(key))));
}

/**
 * Each scrypt holds 128 MiB and a libuv thread for a few hundred ms, and libuv's pool (4 threads by default) also
 * serves DNS, file and PostgreSQL SCRAM work: so at most `concurrency` hashes run at once, a few more wait, and
 * beyond that a caller is told at once to come back (429 SIGN_IN_BUSY with Retry-After) instead of queueing.
 */
const HASH_LIMITS = { concurrency: 2, queue: 8, retryAfterSeconds: 1 } as const;
let running = 0;
const waiting: (() => void)[] = [];

export async function withHashSlot<T>(fn: () => Promise<T>, limits: { concurrency: number; queue: number; retryAfterSeconds: number } = HASH_LIMITS): Promise<T> {
  if (running >= limits.concurrency) {
    if (waiting.length >= limits.queue) throw new TooManyRequestsError("SIGN_IN_BUSY", "too many sign-ins at once: try again in a moment", limits.retryAfterSeconds);
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else running++;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next)
      next(); // the slot passes straight to the next waiter
    else running--;
  }
}

export async function hashPassword(password: string): Promise<string> {
  return withHashSlot(() => hashPasswordNow(password));
}

/** Verifies in a hash slot of its own. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  return withHashSlot(() => verifyPasswordNow(password, stored));
}

async function hashPasswordNow(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { ln, r, p } = SCRYPT_PARAMS;
  const key = await derive(password, salt, ln, r, p);
  return `scrypt$ln=${ln},r=${r},p=${p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/** Verifies without taking a slot: only for a caller that already holds one (signIn). */
export async function verifyPasswordNow(password: string, stored: string): Promise<boolean> {
  const match = /^scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (!match) return false;
  const [, ln, r, p, salt, hash] = match;
  const expected = Buffer.from(hash, "base64url");
  const key = await derive(password, Buffer.from(salt, "base64url"), Number(ln), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A random password for accounts the system makes (first admin, admin-created users): 18 bytes, base64url. */
export function randomPassword(): string {
  return randomBytes(18).toString("base64url");
}

/** A hash no password matches, verified against for unknown emails so their answer takes as long as a real one. */
export const DECOY_HASH = `scrypt$ln=${SCRYPT_PARAMS.ln},r=${SCRYPT_PARAMS.r},p=${SCRYPT_PARAMS.p}$${"A".repeat(22)}$${"A".repeat(43)}`;
