import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { keyId, type SecretKeys } from './keys.ts';

/**
 * Secrets at rest are AES-256-GCM: `sealed:v1:<key id>:<iv>:<ciphertext>:<tag>` (base64url).
 * The additional data names the row the secret belongs to (`purpose:business:id`), so a
 * sealed value copied into another row or business does not open there.
 */
const PREFIX = 'sealed:v1:';

export const isSealed = (value: string) => value.startsWith(PREFIX);

export function seal(keys: SecretKeys, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.current, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${PREFIX}${keyId(keys.current)}:${[iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url')).join(':')}`;
}

export class SecretKeyMismatch extends Error {
  constructor(readonly sealedWith: string) {
    super(`a secret was sealed with key ${sealedWith}, which is neither BILLOW_SECRET_KEY nor BILLOW_SECRET_KEY_PREVIOUS`);
    this.name = 'SecretKeyMismatch';
  }
}

/** The key id a sealed value names. */
export const sealedKeyId = (sealed: string) => sealed.slice(PREFIX.length).split(':', 1)[0] ?? '';

/** Opens a sealed value with whichever of the keys sealed it; a tampered value or wrong row throws. */
export function open(keys: SecretKeys, sealed: string, aad: string): string {
  if (!isSealed(sealed)) throw new Error('value is not sealed');
  const [id, iv, body, tag] = sealed.slice(PREFIX.length).split(':');
  const key = [keys.current, keys.previous].find((k) => k !== undefined && keyId(k) === id);
  if (!key || iv === undefined || body === undefined || tag === undefined) throw new SecretKeyMismatch(id ?? '');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
