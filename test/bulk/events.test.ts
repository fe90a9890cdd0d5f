import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness } from '../helpers/factories.ts';
import { billEntry, eventsOf, expectBulkOk, type Fixture, fixture, invoiceEntry } from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

describe('bulk events', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture(await createBusiness(env.app));
  });

  it('emits per created invoice exactly the single endpoint events, then one INVOICE_BULK_CREATED', async () => {
    const response = await f.tenant.post('/bulk/invoices', {
      invoices: [
        invoiceEntry(f, { reference: 'a' }),
        invoiceEntry(f, { customer_id: 'ct_missing' }),
        invoiceEntry(f, { reference: 'b', auto_approve: true }),
        { bogus: true },
        invoiceEntry(f, { reference: 'c' }),
      ],
    });
    const body = expectBulkOk(response, 'invoices', 5, 3);
    const [a, , b, , c] = (body.results as Json[]).map((r) => r.invoice);

    const events = await eventsOf(env, f.tenant.id);
    expect(events.map((e) => [e.type, e.payload.data?.id ?? null])).toEqual([
      ['INVOICE_CREATED', a.id],
      ['INVOICE_CREATED', b.id],
      ['INVOICE_APPROVED', b.id],
      ['INVOICE_CREATED', c.id],
      ['INVOICE_BULK_CREATED', null],
    ]);
    for (const event of events) {
      expect(Object.keys(event.payload).sort()).toEqual(['business_id', 'created_at', 'data', 'id', 'type']);
      expect(event.payload.type).toBe(event.type);
      expect(event.payload.business_id).toBe(f.tenant.id);
    }
    // Event data is the same representation the API returned.
    expect(events[0]?.payload.data).toEqual(a);
    expect(events[1]?.payload.data).toEqual(b);
    expect(events[2]?.payload.data).toEqual(b);
    expect(events[3]?.payload.data).toEqual(c);
    expect(b).toMatchObject({ status: 'open' });
    expect(b.number).not.toBeNull();
    expect(events[4]?.payload.data).toEqual({ count: 3, failed: 2, batch_size: 5 });
  });

  it('matches what single creates emit for the same documents', async () => {
    const single = await f.tenant.post('/invoices', invoiceEntry(f, { auto_approve: true }));
    expect(single.statusCode, single.body).toBe(201);
    const singleTypes = (await eventsOf(env, f.tenant.id)).map((e) => e.type);
    expect(singleTypes).toEqual(['INVOICE_CREATED', 'INVOICE_APPROVED']);

    const bulk = await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f, { auto_approve: true })] });
    expectBulkOk(bulk, 'invoices', 1, 1);
    const types = (await eventsOf(env, f.tenant.id)).map((e) => e.type);
    expect(types).toEqual([...singleTypes, ...singleTypes, 'INVOICE_BULK_CREATED']);
  });

  it('emits INVOICE_BULK_CREATED with count 0 when every row fails, and no per-item events', async () => {
    const response = await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f, { customer_id: 'ct_nope' }), 7] });
    expectBulkOk(response, 'invoices', 2, 0);
    const events = await eventsOf(env, f.tenant.id);
    expect(events.map((e) => e.type)).toEqual(['INVOICE_BULK_CREATED']);
    expect(events[0]?.payload.data).toEqual({ count: 0, failed: 2, batch_size: 2 });
  });

  it('emits BILL_CREATED (and BILL_APPROVED with auto_approve) per bill, then one BILL_BULK_CREATED', async () => {
    const response = await f.tenant.post('/bulk/bills', {
      bills: [billEntry(f, 'B-1'), billEntry(f, 'B-1'), billEntry(f, 'B-2', { auto_approve: true })],
    });
    const body = expectBulkOk(response, 'bills', 3, 2);
    const first = body.results[0].bill;
    const approved = body.results[2].bill;
    const events = await eventsOf(env, f.tenant.id);
    expect(events.map((e) => [e.type, e.payload.data?.id ?? null])).toEqual([
      ['BILL_CREATED', first.id],
      ['BILL_CREATED', approved.id],
      ['BILL_APPROVED', approved.id],
      ['BILL_BULK_CREATED', null],
    ]);
    expect(events[3]?.payload.data).toEqual({ count: 2, failed: 1, batch_size: 3 });
    expect(events.some((e) => e.type.startsWith('INVOICE_'))).toBe(false);
  });

  it('emits nothing for a request-level error', async () => {
    await f.tenant.post('/bulk/invoices', { invoices: Array.from({ length: 51 }, () => invoiceEntry(f)) });
    await f.tenant.post('/bulk/invoices', { invoices: [] });
    await f.tenant.post('/bulk/bills', {});
    expect(await eventsOf(env, f.tenant.id)).toEqual([]);
  });
});
