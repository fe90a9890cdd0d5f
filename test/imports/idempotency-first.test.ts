import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvOf, HEADER, importApp, importTenant, line, uploaded } from './support.ts';

// POST /api/v1/invoices/bulk looks the Idempotency-Key up before it reads the file.

let env: Awaited<ReturnType<typeof importApp>>;
beforeAll(async () => {
  env = await importApp();
});
afterAll(async () => {
  await env.app.close();
});

const removeObject = (key: string) => fs.rmSync(path.join(env.objectsDir, key));

describe('CSV import: the Idempotency-Key first', () => {
  it('a replay answers the stored 201 without the file (the object is gone)', async () => {
    const tenant = await importTenant(env);
    const key = await uploaded(tenant, csvOf([[HEADER], line('A')]));
    const first = await tenant.post('/api/v1/invoices/bulk', { s3_key: key }, { 'idempotency-key': 'first-1' });
    expect(first.statusCode, first.body).toBe(201);
    removeObject(key);
    const again = await tenant.post('/api/v1/invoices/bulk', { s3_key: key }, { 'idempotency-key': 'first-1' });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    const fresh = await tenant.post('/api/v1/invoices/bulk', { s3_key: key }, { 'idempotency-key': 'first-2' });
    expect(fresh.statusCode).toBe(404);
  });

  it('a CSV-format 422 is stored and replayed byte for byte', async () => {
    const tenant = await importTenant(env);
    const key = await uploaded(tenant, 'invoice_ref,colour\nA,red\n');
    const first = await tenant.post('/api/v1/invoices/bulk', { s3_key: key }, { 'idempotency-key': 'bad-1' });
    expect(first.statusCode, first.body).toBe(422);
    expect(first.body).toContain('csv.unknown_column');
    removeObject(key);
    const again = await tenant.post('/api/v1/invoices/bulk', { s3_key: key }, { 'idempotency-key': 'bad-1' });
    expect(again.statusCode).toBe(422);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
  });

  it('a background import (202) replays its import id; the same key with another body is a 422', async () => {
    const tenant = await importTenant(env);
    const key = await uploaded(tenant, csvOf([[HEADER], line('A')]));
    const async = { prefer: 'respond-async', 'idempotency-key': 'bg-1' };
    const first = await tenant.post('/api/v1/invoices/bulk', { s3_key: key }, async);
    expect(first.statusCode, first.body).toBe(202);
    const again = await tenant.post('/api/v1/invoices/bulk', { s3_key: key }, async);
    expect(again.statusCode).toBe(202);
    expect(again.body).toBe(first.body);
    const other = await tenant.post('/api/v1/invoices/bulk', { s3_key: key, finalize: true }, async);
    expect(other.statusCode).toBe(422);
  });
});
