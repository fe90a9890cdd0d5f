import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createVendor } from '../helpers/factories.ts';
import { billEntry, counterOf, countDocuments, eventsOf, expectBulkOk, fixture, invoiceEntry, listDocuments } from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('concurrent bulk requests', () => {
  it('10 parallel bulks of 50 invoices create exactly 500 invoices', async () => {
    const f = await fixture(await createBusiness(env.app));
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, b) =>
        f.tenant.post('/bulk/invoices', { invoices: Array.from({ length: 50 }, (_, i) => invoiceEntry(f, { reference: `b${b}-r${i}` })) }),
      ),
    );
    const returned: Json[] = [];
    responses.forEach((response, b) => {
      const body = expectBulkOk(response, 'invoices', 50, 50);
      (body.results as Json[]).forEach((r, i) => {
        expect(r.invoice.reference).toBe(`b${b}-r${i}`);
        returned.push(r.invoice);
      });
    });
    expect(returned).toHaveLength(500);
    expect(await countDocuments(f.tenant, 'invoices')).toBe(500);

    const stored = await listDocuments(f.tenant, 'invoices');
    expect(stored.map((i) => i.id).sort()).toEqual(returned.map((i) => i.id).sort());
    expect(new Set(stored.map((i) => i.reference)).size).toBe(500);
    const bulkEvents = (await eventsOf(env, f.tenant.id)).filter((e) => e.type === 'INVOICE_BULK_CREATED');
    expect(bulkEvents).toHaveLength(10);
    for (const e of bulkEvents) expect(e.payload.data).toEqual({ count: 50, failed: 0, batch_size: 50 });
  });

  it('6 parallel auto_approve bulks of 50 get unique, gapless numbers 1..300 and balanced entries', async () => {
    const f = await fixture(await createBusiness(env.app));
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => f.tenant.post('/bulk/invoices', { invoices: Array.from({ length: 50 }, () => invoiceEntry(f, { auto_approve: true })) })),
    );
    const returned = responses.flatMap((response) => (expectBulkOk(response, 'invoices', 50, 50).results as Json[]).map((r) => r.invoice));
    const returnedNumbers = returned.map((i) => i.number as string);
    expect(new Set(returnedNumbers).size).toBe(300);
    expect(returnedNumbers.map(counterOf).sort((a, b) => a - b)).toEqual(range(300));
    // Within one request the numbers follow request order.
    for (const response of responses) {
      const counters = (response.json().results as Json[]).map((r) => counterOf(r.invoice.number));
      expect(counters).toEqual(range(50).map((k) => (counters[0] as number) + k - 1));
    }

    const stored = await listDocuments(f.tenant, 'invoices');
    expect(stored).toHaveLength(300);
    expect(stored.every((i) => i.status === 'open')).toBe(true);
    expect(stored.map((i) => counterOf(i.number)).sort((a, b) => a - b)).toEqual(range(300));
    for (const invoice of stored) {
      expect(invoice.journal_entries).toHaveLength(1);
      const lines = invoice.journal_entries[0].lines as { debit: number; credit: number }[];
      const debit = lines.reduce((s, l) => s + l.debit, 0);
      expect(lines.reduce((s, l) => s + l.credit, 0)).toBe(debit);
      expect(debit).toBe(invoice.total);
    }
  });

  it('mixed parallel bulks (drafts and auto_approve) keep numbers gapless over the approved ones only', async () => {
    const f = await fixture(await createBusiness(env.app));
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, b) =>
        f.tenant.post('/bulk/invoices', {
          invoices: Array.from({ length: 20 }, (_, i) =>
            i % 4 === 3 ? invoiceEntry(f, { customer_id: 'ct_missing' }) : invoiceEntry(f, { auto_approve: (i + b) % 2 === 0 }),
          ),
        }),
      ),
    );
    const ok = responses.flatMap((response) => (expectBulkOk(response, 'invoices', 20, 15).results as Json[]).filter((r) => r.ok).map((r) => r.invoice));
    const approved = ok.filter((i) => i.status === 'open');
    expect(ok.filter((i) => i.status === 'draft').every((i) => i.number === null)).toBe(true);
    expect(approved.map((i) => counterOf(i.number)).sort((a, b) => a - b)).toEqual(range(approved.length));
    expect(await countDocuments(f.tenant, 'invoices')).toBe(90);
  });

  it('parallel bulks racing for the same bill number: exactly one wins, the others report conflict.duplicate', async () => {
    const f = await fixture(await createBusiness(env.app));
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, b) => f.tenant.post('/bulk/bills', { bills: [billEntry(f, `own-${b}`), billEntry(f, 'SHARED-1'), billEntry(f, `own-${b}-2`)] })),
    );
    const shared = responses.map((response) => {
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json() as Json;
      expect(body.results[0].ok).toBe(true);
      expect(body.results[2].ok).toBe(true);
      return body.results[1];
    });
    expect(shared.filter((r) => r.ok)).toHaveLength(1);
    for (const r of shared.filter((x) => !x.ok)) expect(r.error).toMatchObject({ code: 'conflict.duplicate', field: 'bill_number' });
    // The responses state exactly what committed.
    const committed = responses.flatMap((response) => (response.json().results as Json[]).filter((r) => r.ok).map((r) => r.bill.id)).sort();
    expect((await listDocuments(f.tenant, 'bills')).map((b) => b.id).sort()).toEqual(committed);
    expect(committed).toHaveLength(11);
    // Another vendor may reuse the number.
    const other = await createVendor(f.tenant, { name: 'Other supplier' });
    expectBulkOk(await f.tenant.post('/bulk/bills', { bills: [billEntry(f, 'SHARED-1', { vendor_id: other.id })] }), 'bills', 1, 1);
  });

  it('parallel bulks in different businesses do not interfere', async () => {
    const fixtures = await Promise.all(Array.from({ length: 4 }, async () => fixture(await createBusiness(env.app))));
    const responses = await Promise.all(
      fixtures.flatMap((f) => [0, 1].map(() => f.tenant.post('/bulk/invoices', { invoices: Array.from({ length: 25 }, () => invoiceEntry(f, { auto_approve: true })) }))),
    );
    for (const response of responses) expectBulkOk(response, 'invoices', 25, 25);
    for (const f of fixtures) {
      const stored = await listDocuments(f.tenant, 'invoices');
      expect(stored).toHaveLength(50);
      expect(stored.every((i) => i.business_id === f.tenant.id && i.customer_id === f.customer.id)).toBe(true);
      expect(stored.map((i) => counterOf(i.number)).sort((a, b) => a - b)).toEqual(range(50));
    }
  });
});
