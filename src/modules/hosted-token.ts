import { randomFillSync } from 'node:crypto';

const TOKEN_BYTES = 24;
/** Random bytes drawn 256 tokens at a time: one call per token cost 2.7 µs, 0.13 ms of a 50-invoice call. */
const pool = Buffer.alloc(TOKEN_BYTES * 256);
let offset = pool.length;

/**
 * The secret in a document's public link (/i/…, /n/…): 24 bytes from the CSPRNG, base64url.
 * Each pooled byte is used once, so pooling changes the cost, not the randomness.
 */
export function newHostedToken(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + TOKEN_BYTES);
  offset += TOKEN_BYTES;
  return token;
}
