import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { s3Store } from '../../src/storage/s3-store.ts';
import { type Json, sharedDatabase, testConfig } from '../helpers/app.ts';
import { expect422, expectDetail } from '../helpers/assertions.ts';
import { limitedToken } from '../foundation/support.ts';
import { csvOf, HEADER, importApp, importCsv, importTenant, line, multipart, upload } from '../imports/support.ts';
import { type S3Server, startS3 } from './s3rver.ts';

let env: Awaited<ReturnType<typeof importApp>>;
beforeAll(async () => {
  env = await importApp({ fileMaxBytes: 4096 });
});
afterAll(async () => {
  await env.app.close();
  fs.rmSync(env.objectsDir, { recursive: true, force: true });
});

/** The same Idempotency-Key with another request: a 422 that says so. */
function expect422Mismatch(response: { statusCode: number; body: string }): void {
  expect(response.statusCode, response.body).toBe(422);
  expect(response.body).toContain('different request');
}

describe('POST /api/v1/files', () => {
  it('streams the file to the business area and answers 201 {s3_key, size, sha256}', async () => {
    const tenant = await importTenant(env);
    const content = csvOf([[HEADER], line('A')]);
    const response = await upload(tenant, content, 'my invoices.csv');
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json() as Json;
    expect(Object.keys(body).sort()).toEqual(['s3_key', 'sha256', 'size']);
    expect(body.s3_key).toMatch(new RegExp(`^${tenant.id}/[0-9a-f-]{36}/my_invoices\\.csv$`));
    expect(body.size).toBe(Buffer.byteLength(content));
    expect(body.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(fs.readFileSync(path.join(env.objectsDir, body.s3_key), 'utf8')).toBe(content);
  });

  it('413 over FILE_MAX_BYTES, and nothing is kept', async () => {
    const tenant = await importTenant(env);
    const response = await upload(tenant, Buffer.alloc(5000, 65));
    expectDetail(response, 413);
    expect(fs.existsSync(path.join(env.objectsDir, tenant.id)) ? fs.readdirSync(path.join(env.objectsDir, tenant.id)) : []).toEqual([]);
  });

  it('422 without a part named file; 406 when the body is not multipart', async () => {
    const tenant = await importTenant(env);
    const { payload, headers } = multipart('x', 'a.csv', 'document');
    expect422(await tenant.request('POST', '/api/v1/files', payload, headers), ['body', 'file'], 'validation.required');
    const json = await tenant.post('/api/v1/files', { file: 'x' });
    expect(json.statusCode).toBe(406);
  });

  it('an Idempotency-Key fingerprints the content: same bytes → the stored 201, other bytes → 422', async () => {
    const tenant = await importTenant(env);
    const key = { 'idempotency-key': 'upload-1' };
    const send = (content: string, name = 'a.csv') => {
      const { payload, headers } = multipart(content, name);
      return tenant.request('POST', '/api/v1/files', payload, { ...headers, ...key });
    };
    const first = await send('one');
    expect(first.statusCode, first.body).toBe(201);
    const again = await send('one');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect422Mismatch(await send('two'));
    expect422Mismatch(await send('one', 'b.csv'));
    expect(fs.readdirSync(path.join(env.objectsDir, tenant.id))).toHaveLength(1);
  });

  it('a NUL byte in the file name is a 422 naming file, and nothing is stored', async () => {
    const tenant = await importTenant(env);
    const { payload, headers } = multipart('x', 'bad\u0000name.csv');
    expect422(await tenant.request('POST', '/api/v1/files', payload, headers), ['body', 'file'], 'validation.invalid');
    expect(fs.existsSync(path.join(env.objectsDir, tenant.id))).toBe(false);
    const rows = await env.database.db.selectFrom('files').select('key').where('business_id', '=', tenant.id).execute();
    expect(rows).toEqual([]);
  });

  it('401 without a token, 403 without files.CREATE', async () => {
    const tenant = await importTenant(env);
    const { payload, headers } = multipart('x');
    expectDetail(await env.app.inject({ method: 'POST', url: '/api/v1/files', payload, headers }), 401);
    const { token } = await limitedToken(env, tenant, ['invoices.CREATE']);
    const denied = await env.app.inject({ method: 'POST', url: '/api/v1/files', payload, headers: { ...headers, authorization: `Bearer ${token}`, 'x-business-id': tenant.id } });
    expect(expectDetail(denied, 403)).toMatch(/files\.CREATE/);
  });
});

describe('S3 backend end to end (s3rver)', () => {
  let s3: S3Server;
  let app: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    s3 = await startS3();
    const database = await sharedDatabase();
    app = await buildApp({ db: database.db, config: testConfig(), store: s3Store(s3.options) });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await s3.close();
  });

  it('uploads through POST /files into the bucket and imports from it; other businesses get 404', async () => {
    const s3env = { app, database: await sharedDatabase(), config: testConfig() };
    const tenant = await importTenant(s3env);
    const response = await importCsv(tenant, csvOf([[HEADER], line('S3-1'), line('S3-2', { unit_price: '2.50' })]), { finalize: true });
    expect(response.statusCode, response.body).toBe(201);
    const created = (response.json() as Json).items as Json[];
    expect(created.map((i) => [i.reference, i.status, i.subtotal])).toEqual([
      ['S3-1', 'open', 1000],
      ['S3-2', 'open', 250],
    ]);
    const other = await importTenant(s3env);
    const key = ((await upload(tenant, 'invoice_ref,customer_id,quantity\n')).json() as Json).s3_key as string;
    expectDetail(await other.post('/api/v1/invoices/bulk', { s3_key: key }), 404);
  });
});
