import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { startWorkers, type WorkerLog, type Workers } from '../../src/jobs/runner.ts';
import type { Json } from '../helpers/app.ts';
import { eventsOf } from '../helpers/assertions.ts';
import type { Tenant } from '../helpers/factories.ts';
import { creditNote, returnOf } from '../credit-notes/support.ts';
import { csvOf, HEADER, importApp, importCsv, importTenant, line } from '../imports/support.ts';
import { invoiceBody, ok, openInvoice, pay, shop } from '../invoicing/support.ts';

// INVOICE_PAID whatever settles the balance (a payment, a credit note, the customer's credit),
// and one IMPORT_COMPLETED per CSV import.

const quiet: WorkerLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
let env: Awaited<ReturnType<typeof importApp>>;
let workers: Workers;
beforeAll(async () => {
  env = await importApp();
  workers = await startWorkers({ database: env.database, config: env.config, handlers: jobHandlers(), log: quiet, pollMs: 50 });
});
afterAll(async () => {
  await workers.stop();
  await env.app.close();
});

const typesOf = async (tenant: Tenant) => (await eventsOf(env, tenant.id)).map((e) => e.type);
const paidEvents = async (tenant: Tenant) => (await eventsOf(env, tenant.id)).filter((e) => e.type === 'INVOICE_PAID').map((e) => e.payload.data);

describe('INVOICE_PAID when notes or credits settle an invoice', () => {
  it('a credit note that takes a partly paid invoice’s balance to zero', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, invoice.id, { amount: 100_000 }), 201);
    expect(await paidEvents(s.tenant)).toEqual([]);
    ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.5', { refund_amount: 41_000 })), 201);
    const types = await typesOf(s.tenant);
    expect(types.slice(-2)).toEqual(['CREDIT_NOTE_CREATED', 'INVOICE_PAID']);
    const [paid] = await paidEvents(s.tenant);
    expect(paid).toMatchObject({ id: invoice.id, status: 'manual_paid', balance_due: 0 });
  });

  it('a credit note for the whole of an unpaid invoice', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody({ line_items: [{ item_id: 'it_widget', quantity: 2 }] }));
    ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '2')), 201);
    expect((await paidEvents(s.tenant)).map((d: Json) => [d.id, d.status])).toEqual([[invoice.id, 'manual_paid']]);
  });

  it('the customer’s credit settling an invoice at finalize (single and bulk auto_approve)', async () => {
    const s = await shop(env);
    const first = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, first.id, { amount: first.total }), 201);
    ok(await creditNote(s.tenant, first.id, returnOf(first, '0.5', { credit_amount: 59_000 })), 201);
    const before = (await paidEvents(s.tenant)).length;
    const quarter = { line_items: [{ item_id: 'it_widget', quantity: '0.25' }] };
    const single = await openInvoice(s.tenant, invoiceBody(quarter));
    expect(single).toMatchObject({ status: 'manual_paid', balance_due: 0 });
    expect((await typesOf(s.tenant)).slice(-3)).toEqual(['INVOICE_APPROVED', 'CUSTOMER_CREDIT_APPLIED', 'INVOICE_PAID']);
    const bulk = ok(await s.tenant.post('/bulk/invoices', { invoices: [invoiceBody({ ...quarter, auto_approve: true })] }));
    expect(bulk.results[0].invoice).toMatchObject({ status: 'manual_paid', balance_due: 0 });
    const paid = (await paidEvents(s.tenant)).slice(before);
    expect(paid.map((d: Json) => [d.id, d.status, d.balance_due])).toEqual([
      [single.id, 'manual_paid', 0],
      [bulk.results[0].invoice.id, 'manual_paid', 0],
    ]);
    // With the credit used up, a third invoice stays open and emits no INVOICE_PAID.
    await openInvoice(s.tenant, invoiceBody(quarter));
    expect(await paidEvents(s.tenant)).toHaveLength(before + 2);
  });
});

async function finished(tenant: Tenant, id: string): Promise<Json> {
  const deadline = Date.now() + 50_000;
  for (;;) {
    const body = (await tenant.get(`/api/v1/imports/${id}`)).json() as Json;
    if (!['queued', 'running'].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`import still ${body.status}`);
    await sleep(100);
  }
}

const completed = async (tenant: Tenant) => (await eventsOf(env, tenant.id)).filter((e) => e.type === 'IMPORT_COMPLETED').map((e) => e.payload.data);

describe('IMPORT_COMPLETED: one aggregate event per CSV import', () => {
  it('an import within the request (skip_invalid): import_id null, its counts, after the invoices’ events', async () => {
    const tenant = await importTenant(env);
    const response = await importCsv(tenant, csvOf([[HEADER], line('A'), line('B', { quantity: '-1' }), line('C')]), { skip_invalid: true });
    expect(response.statusCode, response.body).toBe(201);
    expect(await completed(tenant)).toEqual([{ import_id: null, status: 'succeeded', succeeded: 2, failed: 1 }]);
    expect((await typesOf(tenant)).at(-1)).toBe('IMPORT_COMPLETED');
  });

  it('a refused all-or-nothing import emits nothing', async () => {
    const tenant = await importTenant(env);
    expect((await importCsv(tenant, csvOf([[HEADER], line('A', { quantity: '-1' })]))).statusCode).toBe(422);
    expect(await completed(tenant)).toEqual([]);
  });

  it('a background import: once, when it ends, with its id (succeeded and failed)', async () => {
    const tenant = await importTenant(env);
    const async = { prefer: 'respond-async' };
    const good = (await importCsv(tenant, csvOf([[HEADER], line('A'), line('B'), line('C', { quantity: '-1' })]), { skip_invalid: true }, async)).json() as Json;
    expect(await finished(tenant, good.import_id)).toMatchObject({ status: 'succeeded' });
    const bad = (await importCsv(tenant, csvOf([[HEADER], line('A', { quantity: '-1' })]), {}, async)).json() as Json;
    expect(await finished(tenant, bad.import_id)).toMatchObject({ status: 'failed' });
    expect(await completed(tenant)).toEqual([
      { import_id: good.import_id, status: 'succeeded', succeeded: 2, failed: 1 },
      { import_id: bad.import_id, status: 'failed', succeeded: 0, failed: 1 },
    ]);
  });
});
