import { randomFillSync } from "node:crypto";

const POOL_BYTES = 8192;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * Lowercase hex of `bytes` random bytes (W3C trace ids: 16, span ids: 8), cut from a pool refilled 8 KiB at a
 * time, so a request does not pay for a call into the system's random source.
 */
export function randomHex(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + bytes);
  offset += bytes;
  return hex;
}
