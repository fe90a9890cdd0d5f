import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { DomainError } from '../domain/errors.ts';
import { RequestError } from './problem.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Bulk routes check text item by item, so that one bad item fails alone. */
    textCheckedPerItem?: boolean;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// A string PostgreSQL cannot store: NUL, or a lone UTF-16 surrogate (JSON can spell one as
// "\ud800"; it has no UTF-8 encoding, so the database would refuse it with a 500).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorable = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);

/** Path of the first string (or key) PostgreSQL cannot store. Iterative: deep bodies cannot overflow the stack. */
export function unstorablePath(root: unknown): string | undefined {
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (unstorable(value)) return path;
    } else if (Array.isArray(value)) {
      value.forEach((child, i) => stack.push([child, `${path}[${i}]`]));
    } else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const childPath = path ? `${path}.${key}` : key;
        if (unstorable(key)) return childPath;
        stack.push([child, childPath]);
      }
    }
  }
  return undefined;
}

export const UNSTORABLE_TEXT = 'Text must be valid Unicode without the NUL character (U+0000) or lone surrogates.';

function parseJson(raw: Buffer, checkText: boolean): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new RequestError(400, 'request.invalid_encoding', 'Request body is not valid UTF-8.');
  }
  if (text.trim() === '') throw new RequestError(400, 'request.malformed_json', 'Request body is empty but Content-Type is application/json.');
  let body: unknown;
  try {
    body = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw new RequestError(400, 'request.malformed_json', 'Malformed JSON in request body.');
  }
  const bad = checkText ? unstorablePath(body) : undefined;
  if (bad !== undefined) throw new DomainError('validation.invalid', UNSTORABLE_TEXT, bad || undefined);
  return body;
}

/**
 * Strict JSON bodies (SPEC §8): bytes must be UTF-8 (Fastify's parser would silently turn bad
 * bytes into U+FFFD), no prototype poisoning, and no text PostgreSQL refuses (NUL, lone surrogates).
 * URLs with an encoded NUL are refused for the same reason.
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, raw, done) => {
    try {
      done(null, parseJson(raw as Buffer, !request.routeOptions.config.textCheckedPerItem));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addHook('onRequest', async (request) => {
    if (/%00/.test(request.url)) throw new RequestError(400, 'request.invalid', 'URLs must not contain the NUL character (%00).');
  });
}
