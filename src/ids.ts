import { randomFillSync } from 'node:crypto';
import { V7Generator } from 'uuidv7';

/**
 * Random bytes for ids and secrets, drawn 4 KB at a time: one crypto call per hosted token
 * cost 2.7 µs (0.13 ms of a 50-invoice call) and the UUID library's own source refilled every
 * 32 bytes (2x slower per id). Each byte is used once, so pooling changes the cost, not the
 * randomness.
 */
const pool = Buffer.alloc(4096);
let next = pool.length;

function take(bytes: number): number {
  if (next + bytes > pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  next += bytes;
  return next - bytes;
}

const generator = new V7Generator({ nextUint32: () => pool.readUInt32LE(take(4)) });

/** A new UUIDv7 (time-ordered, monotonic within this process): the id of every row Billow creates. */
export const uuidv7 = (): string => generator.generate().toString();

/** The secret in a document's public link (/i/…, /n/…): 24 random bytes, base64url. */
export function newHostedToken(): string {
  const at = take(24);
  return pool.toString('base64url', at, at + 24);
}
