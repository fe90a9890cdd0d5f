import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { DomainError } from '../domain/errors.ts';
import { RequestError } from './problem.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Path of the first string (or key) containing U+0000, which PostgreSQL cannot store in text.
 * Iterative, so a deeply nested body cannot overflow the stack.
 */
function nulPath(root: unknown): string | undefined {
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (Array.isArray(value)) {
      value.forEach((child, i) => stack.push([child, `${path}[${i}]`]));
    } else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const childPath = path ? `${path}.${key}` : key;
        if (key.includes('\u0000')) return childPath;
        stack.push([child, childPath]);
      }
    }
  }
  return undefined;
}

function parseJson(raw: Buffer): unknown {
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
  const nul = nulPath(body);
  if (nul !== undefined) throw new DomainError('validation.invalid', 'Text must not contain the NUL character (U+0000).', nul || undefined);
  return body;
}

/**
 * Strict JSON bodies (SPEC §8): bytes must be UTF-8 (Fastify's parser would silently turn bad
 * bytes into U+FFFD), no prototype poisoning, and no NUL characters, which PostgreSQL refuses.
 * URLs with an encoded NUL are refused for the same reason.
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, raw, done) => {
    try {
      done(null, parseJson(raw as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addHook('onRequest', async (request) => {
    if (/%00/.test(request.url)) throw new RequestError(400, 'request.invalid', 'URLs must not contain the NUL character (%00).');
  });
}
