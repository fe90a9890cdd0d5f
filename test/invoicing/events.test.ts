import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createVendor } from '../helpers/factories.ts';
import {
  createInvoice,
  eventsOf,
  expect422,
  expectDetail,
  finalize,
  installFailingTrigger,
  invoiceBody,
  ok,
  pay,
  shop,
  voidInvoice,
} from './support.ts';

let env: TestEnv;

beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

const typesOf = async (businessId: string) => (await eventsOf(env, businessId)).map((e) => e.type);

describe('outbox events of the invoice life cycle', () => {
  it('writes INVOICE_CREATED, INVOICE_APPROVED, INVOICE_PAYMENT_CREATED, INVOICE_PAID in order', async () => {
    const s = await shop(env);
    const draft = await createInvoice(s.tenant, invoiceBody());
    expect(await typesOf(s.tenant.id)).toEqual(['INVOICE_CREATED']);
    const open = ok(await finalize(s.tenant, draft.id));
    expect(await typesOf(s.tenant.id)).toEqual(['INVOICE_CREATED', 'INVOICE_APPROVED']);
    ok(await pay(s.tenant, draft.id, { amount: 1_000 }), 201);
    expect(await typesOf(s.tenant.id)).toEqual(['INVOICE_CREATED', 'INVOICE_APPROVED', 'INVOICE_PAYMENT_CREATED']);
    ok(await pay(s.tenant, draft.id, { amount: open.total - 1_000 }), 201);
    const events = await eventsOf(env, s.tenant.id);
    expect(events.map((e) => e.type)).toEqual(['INVOICE_CREATED', 'INVOICE_APPROVED', 'INVOICE_PAYMENT_CREATED', 'INVOICE_PAYMENT_CREATED', 'INVOICE_PAID']);

    for (const event of events) {
      expect(Object.keys(event.payload).sort()).toEqual(['business_id', 'created_at', 'data', 'id', 'type']);
      expect(event.payload).toMatchObject({ id: event.id, type: event.type, business_id: s.tenant.id });
      expect(Date.parse(event.payload.created_at)).not.toBeNaN();
      expect(event.payload.data.id).toBe(draft.id);
    }
    const [created, approved, firstPayment, , paid] = events.map((e) => e.payload.data);
    expect(created).toMatchObject({ status: 'draft', number: null, customer_id: 'ct_acme', total: open.total });
    expect(approved).toMatchObject({ status: 'open', number: open.number });
    expect(firstPayment).toMatchObject({ status: 'partially_paid', total_paid: 1_000 });
    expect(paid).toMatchObject({ status: 'manual_paid', balance_due: 0 });
  });

  it('writes INVOICE_VOIDED for a void', async () => {
    const s = await shop(env);
    const draft = await createInvoice(s.tenant, invoiceBody());
    ok(await voidInvoice(s.tenant, draft.id));
    const events = await eventsOf(env, s.tenant.id);
    expect(events.map((e) => e.type)).toEqual(['INVOICE_CREATED', 'INVOICE_VOIDED']);
    expect(events[1]?.payload.data).toMatchObject({ id: draft.id, status: 'void' });
  });

  it('writes BILL_CREATED, BILL_APPROVED, BILL_PAYMENT_CREATED, BILL_PAID, BILL_VOIDED for bills', async () => {
    const tenant = await createBusiness(env.app);
    await createVendor(tenant, { id: 'vd_ev', name: 'Vendor' });
    const bill = (n: string) => ({ vendor_id: 'vd_ev', bill_number: n, date: '2026-05-12', line_items: [{ name: 'Ink', quantity: 1, unit_price: 1_000, tax_rate: 18 }] });
    const first = ok(await tenant.post('/api/v1/bills', bill('E-1')), 201);
    ok(await tenant.post(`/api/v1/bills/${first.id}/approve`));
    ok(await tenant.post(`/api/v1/bills/${first.id}/payments`, { amount: first.total }), 201);
    const second = ok(await tenant.post('/api/v1/bills', bill('E-2')), 201);
    ok(await tenant.post(`/api/v1/bills/${second.id}/void`));
    const events = await eventsOf(env, tenant.id);
    expect(events.map((e) => [e.type, e.payload.data.id])).toEqual([
      ['BILL_CREATED', first.id],
      ['BILL_APPROVED', first.id],
      ['BILL_PAYMENT_CREATED', first.id],
      ['BILL_PAID', first.id],
      ['BILL_CREATED', second.id],
      ['BILL_VOIDED', second.id],
    ]);
    expect(events[0]?.payload.data).toMatchObject({ object: 'bill', bill_number: 'E-1', vendor_id: 'vd_ev' });
  });

  it('writes per-invoice events plus INVOICE_BULK_CREATED for /bulk/invoices with auto_approve', async () => {
    const s = await shop(env);
    const response = await s.tenant.post('/bulk/invoices', {
      invoices: [invoiceBody({ auto_approve: true }), invoiceBody({ customer_id: 'ct_missing' }), invoiceBody()],
    });
    const body = ok(response);
    expect(body.summary).toEqual({ total: 3, succeeded: 2, failed: 1 });
    const events = await eventsOf(env, s.tenant.id);
    expect(events.map((e) => e.type)).toEqual(['INVOICE_CREATED', 'INVOICE_APPROVED', 'INVOICE_CREATED', 'INVOICE_BULK_CREATED']);
    expect(events[0]?.payload.data.id).toBe(body.results[0].invoice.id);
    expect(events[2]?.payload.data.id).toBe(body.results[2].invoice.id);
    expect(events[3]?.payload.data).toEqual({ count: 2, failed: 1, batch_size: 3 });
  });
});

describe('no event without a committed change', () => {
  it('writes nothing for a failed request (422, 404, 409)', async () => {
    const s = await shop(env);
    expect422(await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: [{ item_id: 'it_widget', quantity: 0 }] })), ['body', 'line_items', 0, 'quantity']);
    expect422(await s.tenant.post('/api/v1/invoices', invoiceBody({ due_date: '2020-01-01' })), ['body', 'due_date']);
    expectDetail(await s.tenant.post('/api/v1/invoices', invoiceBody({ customer_id: 'ct_missing' })), 404);
    expect(await typesOf(s.tenant.id)).toEqual([]);
    const draft = await createInvoice(s.tenant, invoiceBody());
    expectDetail(await pay(s.tenant, draft.id, { amount: 10 }), 409);
    ok(await finalize(s.tenant, draft.id));
    expectDetail(await finalize(s.tenant, draft.id), 409);
    expect422(await pay(s.tenant, draft.id, { amount: draft.total + 1 }), ['body', 'amount']);
    expect(await typesOf(s.tenant.id)).toEqual(['INVOICE_CREATED', 'INVOICE_APPROVED']);
  });

  it('keeps no event of a finalize rolled back after its number was taken', async () => {
    const trigger = await installFailingTrigger(env);
    try {
      const s = await shop(env);
      const doomed = await createInvoice(s.tenant, invoiceBody({ reference: trigger.marker }));
      const fine = await createInvoice(s.tenant, invoiceBody());
      const failed = await finalize(s.tenant, doomed.id);
      expect(failed.statusCode, failed.body).toBeGreaterThanOrEqual(500);
      ok(await finalize(s.tenant, fine.id));
      const events = await eventsOf(env, s.tenant.id);
      expect(events.map((e) => [e.type, e.payload.data.id])).toEqual([
        ['INVOICE_CREATED', doomed.id],
        ['INVOICE_CREATED', fine.id],
        ['INVOICE_APPROVED', fine.id],
      ]);
      const approved = events.find((e) => e.type === 'INVOICE_APPROVED') as { payload: Json };
      expect(approved.payload.data.number).toBe('INV-00001');
    } finally {
      await trigger.drop();
    }
  });
});
