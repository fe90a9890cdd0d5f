import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { invalid, notFound } from '../domain/errors.ts';

/** What a stored object is known by: its key (under the business's area), size and content hash. */
export interface StoredObject {
  key: string;
  size: number;
  sha256: string;
}

/**
 * An object store where every business has its own area, `<business_id>/…`. Callers pass
 * keys as clients sent them; the store confines them (`confineKey`) before touching anything,
 * so a key can never reach outside the business's area.
 */
export interface ObjectStore {
  /** Streams `body` to a new key under the business's area; refuses more than `maxBytes`. */
  put(businessId: string, name: string, body: NodeJS.ReadableStream, maxBytes: number): Promise<StoredObject>;
  /** Opens the object for reading; unknown key → not_found. */
  get(businessId: string, key: string): Promise<NodeJS.ReadableStream>;
  /** Size of the object; unknown key → not_found. */
  stat(businessId: string, key: string): Promise<{ size: number }>;
}

/** An upload past the size limit; `statusCode` makes every surface answer 413. */
export class TooLarge extends Error {
  readonly statusCode = 413;
  constructor(readonly maxBytes: number) {
    super(`The file is larger than the limit of ${maxBytes} bytes.`);
    this.name = 'TooLarge';
  }
}

/**
 * Validates a client-supplied key: NUL bytes, absolute paths, backslashes and `.`/`..`
 * segments are refused (422); a key outside `<business_id>/` is another business's or
 * nobody's, so it is not found (404, no oracle).
 */
export function confineKey(businessId: string, key: string, field = 's3_key'): string {
  if (key.length === 0 || key.length > 1024) throw invalid('The key must be 1 to 1024 characters.', field);
  if (key.includes('\u0000')) throw invalid('The key must not contain NUL bytes.', field);
  if (key.startsWith('/') || key.includes('\\') || /^[A-Za-z]:/.test(key)) throw invalid('The key must be relative, with / separators.', field);
  const segments = key.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s === '')) throw invalid("The key must not contain empty, '.' or '..' segments.", field);
  if (segments[0] !== businessId || segments.length < 2) throw notFound('File', key, field);
  return key;
}

/** A file name reduced to a safe last segment of a key. */
export function safeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 100);
  return cleaned || 'upload';
}

/** Counts and hashes bytes on their way through, failing once more than `maxBytes` pass. */
export class Measure extends Transform {
  size = 0;
  private readonly hash = createHash('sha256');

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(new TooLarge(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
