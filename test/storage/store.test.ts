import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import { localStore } from '../../src/storage/local-store.ts';
import { confineKey, type ObjectStore, TooLarge } from '../../src/storage/object-store.ts';
import { s3Store } from '../../src/storage/s3-store.ts';
import { openObjectStore } from '../../src/storage/index.ts';
import { loadConfig } from '../../src/config.ts';
import { type S3Server, startS3 } from './s3rver.ts';

const BIZ = '01a0aaaa-0000-7000-8000-000000000001';
const OTHER = '01a0aaaa-0000-7000-8000-000000000002';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString();
}

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    if (error instanceof TooLarge) return 'too_large';
    throw error;
  }
  return 'ok';
};

describe('confineKey', () => {
  it('accepts keys under the business area', () => {
    expect(confineKey(BIZ, `${BIZ}/a/b.csv`)).toBe(`${BIZ}/a/b.csv`);
  });
  it.each([
    [`${BIZ}/../${OTHER}/x.csv`, 'validation.invalid'],
    [`${BIZ}/./x.csv`, 'validation.invalid'],
    [`/${BIZ}/x.csv`, 'validation.invalid'],
    [`${BIZ}\\x.csv`, 'validation.invalid'],
    [`C:/${BIZ}/x.csv`, 'validation.invalid'],
    [`${BIZ}//x.csv`, 'validation.invalid'],
    [`${BIZ}/x\u0000.csv`, 'validation.invalid'],
    ['', 'validation.invalid'],
    [`${OTHER}/x.csv`, 'not_found.resource'],
    [BIZ, 'not_found.resource'],
    ['x.csv', 'not_found.resource'],
  ])('refuses %j with %s', (key, code) => {
    expect(() => confineKey(BIZ, key)).toThrow(expect.objectContaining({ code }));
  });
});

/** The same contract for both backends. */
function contract(name: string, open: () => ObjectStore) {
  describe(`${name} object store`, () => {
    it('puts a stream and reports key, size and sha256; gets and stats it back', async () => {
      const store = open();
      const content = 'invoice_ref,customer_id,quantity\nA,ct_a,1\n';
      const stored = await store.put(BIZ, '../evil name.csv', Readable.from([Buffer.from(content)]), 1024);
      expect(stored.key.startsWith(`${BIZ}/`)).toBe(true);
      expect(stored.key.endsWith('/evil_name.csv')).toBe(true);
      expect(stored.size).toBe(Buffer.byteLength(content));
      expect(stored.sha256).toBe(createHash('sha256').update(content).digest('hex'));
      expect(await text(await store.get(BIZ, stored.key))).toBe(content);
      expect(await store.stat(BIZ, stored.key)).toEqual({ size: stored.size });
    });

    it('another business cannot read it; unknown and escaping keys are refused', async () => {
      const store = open();
      const stored = await store.put(BIZ, 'a.csv', Readable.from([Buffer.from('x')]), 10);
      expect(await codeOf(store.get(OTHER, stored.key))).toBe('not_found.resource');
      expect(await codeOf(store.get(OTHER, stored.key.replace(BIZ, `${OTHER}/..`)))).toBe('validation.invalid');
      expect(await codeOf(store.get(BIZ, `${BIZ}/missing.csv`))).toBe('not_found.resource');
      expect(await codeOf(store.stat(BIZ, `${BIZ}/missing.csv`))).toBe('not_found.resource');
    });

    it('refuses a stream over the limit and keeps nothing of it', async () => {
      const store = open();
      const chunks = Array.from({ length: 10 }, () => Buffer.alloc(1000, 65));
      expect(await codeOf(store.put(BIZ, 'big.csv', Readable.from(chunks), 5000))).toBe('too_large');
    });
  });
}

const localRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-store-'));
afterAll(() => fs.rmSync(localRoot, { recursive: true, force: true }));
contract('local', () => localStore(localRoot));

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3.close();
});
contract('S3 (s3rver)', () => s3Store(s3.options));

describe('openObjectStore', () => {
  it('OBJECT_STORE=s3://bucket opens the S3 backend at S3_ENDPOINT with the standard AWS credential variables', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    try {
      const env = { OBJECT_STORE: 's3://billow', S3_ENDPOINT: s3.options.endpoint as string, S3_FORCE_PATH_STYLE: 'true' };
      const store = await openObjectStore(loadConfig(env));
      const stored = await store.put(BIZ, 'a.csv', Readable.from([Buffer.from('through config')]), 100);
      expect(await text(await store.get(BIZ, stored.key))).toBe('through config');
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('local object store on disk', () => {
  it('writes objects under <root>/<business_id>/ and nothing elsewhere', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-store-'));
    const stored = await localStore(root).put(BIZ, 'x.csv', Readable.from([Buffer.from('abc')]), 10);
    expect(fs.readdirSync(root)).toEqual([BIZ]);
    expect(fs.readFileSync(path.join(root, stored.key), 'utf8')).toBe('abc');
    fs.rmSync(root, { recursive: true, force: true });
  });
});
