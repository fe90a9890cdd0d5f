import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness } from '../helpers/factories.ts';
import {
  billEntry,
  countDocuments,
  eventsOf,
  expectBulkError,
  expectBulkOk,
  type Fixture,
  fixture,
  invoiceEntry,
  listDocuments,
  withKey,
} from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

const key = () => `bulk-${randomUUID()}`;

describe('Idempotency-Key on /bulk', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture(await createBusiness(env.app));
  });

  const mixed = (g: Fixture) => ({
    invoices: [
      invoiceEntry(g, { reference: 'one' }),
      invoiceEntry(g, { line_items: [{ item_id: 'it_missing', quantity: 1 }] }),
      invoiceEntry(g, { reference: 'two', auto_approve: true }),
      'not an object',
      invoiceEntry(g, { reference: 'three', place_of_supply: 'IN-XX' }),
    ],
  });

  it('replays a mixed success/failure response byte-identically and creates nothing new', async () => {
    const k = key();
    const body = mixed(f);
    const first = await f.tenant.post('/bulk/invoices', body, withKey(k));
    expectBulkOk(first, 'invoices', 5, 2);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const eventsAfterFirst = (await eventsOf(env, f.tenant.id)).length;

    for (let i = 0; i < 2; i++) {
      const again = await f.tenant.post('/bulk/invoices', body, withKey(k));
      expect(again.statusCode).toBe(first.statusCode);
      expect(again.body).toBe(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers['content-type']).toBe(first.headers['content-type']);
    }
    expect(await countDocuments(f.tenant, 'invoices')).toBe(2);
    expect((await eventsOf(env, f.tenant.id)).length).toBe(eventsAfterFirst);
    const numbered = (await listDocuments(f.tenant, 'invoices')).filter((i) => i.number !== null);
    expect(numbered).toHaveLength(1);
  });

  it('replays a bulk bills response, including its conflict.duplicate rows', async () => {
    const k = key();
    const body = { bills: [billEntry(f, 'B-1'), billEntry(f, 'B-1')] };
    const first = await f.tenant.post('/bulk/bills', body, withKey(k));
    expectBulkOk(first, 'bills', 2, 1);
    const again = await f.tenant.post('/bulk/bills', body, withKey(k));
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await countDocuments(f.tenant, 'bills')).toBe(1);
  });

  it('refuses the same key with a different body with 422 and does nothing', async () => {
    const k = key();
    const first = await f.tenant.post('/bulk/invoices', mixed(f), withKey(k));
    expectBulkOk(first, 'invoices', 5, 2);
    const other = await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f), invoiceEntry(f)] }, withKey(k));
    expectBulkError(other, 422, 'idempotency.mismatch');
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    const otherPath = await f.tenant.post('/bulk/bills', { bills: [billEntry(f, 'B-1')] }, withKey(k));
    expectBulkError(otherPath, 422, 'idempotency.mismatch');
    expect(await countDocuments(f.tenant, 'invoices')).toBe(2);
    expect(await countDocuments(f.tenant, 'bills')).toBe(0);
    // The original still replays.
    expect((await f.tenant.post('/bulk/invoices', mixed(f), withKey(k))).body).toBe(first.body);
  });

  it('keeps keys apart per business', async () => {
    const g = await fixture(await createBusiness(env.app));
    const k = key();
    const mine = await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f)] }, withKey(k));
    const theirs = await g.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(g)] }, withKey(k));
    expectBulkOk(mine, 'invoices', 1, 1);
    expectBulkOk(theirs, 'invoices', 1, 1);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(await countDocuments(f.tenant, 'invoices')).toBe(1);
    expect(await countDocuments(g.tenant, 'invoices')).toBe(1);
  });

  it('refuses an invalid Idempotency-Key with 400 in the bulk format and creates nothing', async () => {
    const response = await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f)] }, withKey('k'.repeat(256)));
    expectBulkError(response, 400, 'idempotency.invalid_key');
    expect(await countDocuments(f.tenant, 'invoices')).toBe(0);
  });

  it('5 concurrent identical calls with one key create exactly one set of invoices', async () => {
    const k = key();
    const body = mixed(f);
    const responses = await Promise.all(Array.from({ length: 5 }, () => f.tenant.post('/bulk/invoices', body, withKey(k))));
    const statuses = responses.map((r) => r.statusCode);
    for (const r of responses) expect([200, 409], r.body).toContain(r.statusCode);
    const ok = responses.filter((r) => r.statusCode === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    const originals = ok.filter((r) => r.headers['idempotent-replayed'] === undefined);
    expect(originals, JSON.stringify(statuses)).toHaveLength(1);
    const original = originals[0] as (typeof ok)[number];
    expectBulkOk(original, 'invoices', 5, 2);
    for (const r of ok) expect(r.body).toBe(original.body);
    for (const r of responses.filter((x) => x.statusCode === 409)) expectBulkError(r, 409, 'conflict.in_flight');

    expect(await countDocuments(f.tenant, 'invoices')).toBe(2);
    const events = await eventsOf(env, f.tenant.id);
    expect(events.filter((e) => e.type === 'INVOICE_BULK_CREATED')).toHaveLength(1);
    // A later retry replays the one original.
    const later = await f.tenant.post('/bulk/invoices', body, withKey(k));
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(later.body).toBe(original.body);
    const ids = (JSON.parse(original.body).results as Json[]).filter((r) => r.ok).map((r) => r.invoice.id).sort();
    expect((await listDocuments(f.tenant, 'invoices')).map((i) => i.id).sort()).toEqual(ids);
  });
});
