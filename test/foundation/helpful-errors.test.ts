import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { expect422, expectDetail } from '../helpers/assertions.ts';
import { createBusiness } from '../helpers/factories.ts';
import { creditNote, returnOf } from '../credit-notes/support.ts';
import { invoiceBody, ok, openInvoice, pay, shop } from '../invoicing/support.ts';

// Errors that tell a new user what to do next.

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(async () => {
  await env.app.close();
});

describe('errors that help', () => {
  it('an unknown status filter lists the allowed statuses once', async () => {
    const s = await shop(env);
    const response = await s.tenant.get('/api/v1/invoices?status=payed');
    expect422(response, ['query', 'status'], 'literal_error');
    const { detail } = response.json() as { detail: { msg: string }[] };
    expect(detail).toHaveLength(1);
    expect(detail[0]?.msg).toBe("Input must be one of 'draft', 'open', 'partially_paid', 'manual_paid', 'stripe_paid', 'paid', 'void'");
  });

  it('status=paid lists every paid invoice, manual or stripe', async () => {
    const s = await shop(env);
    const paid = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, paid.id, { amount: paid.total }), 201);
    const stripe = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, stripe.id, { amount: stripe.total, source: 'stripe' }), 201);
    await openInvoice(s.tenant, invoiceBody());
    const listed = ok(await s.tenant.get('/api/v1/invoices?status=paid')) as Json;
    expect(listed.items.map((i: Json) => i.status).sort()).toEqual(['manual_paid', 'stripe_paid']);
  });

  it('a business token on an admin-only route is a 403 naming the admin token; no token stays 401', async () => {
    const tenant = await createBusiness(env.app);
    const body = { name: 'Another', country: 'US', currency: 'USD' };
    const response = await env.app.inject({ method: 'POST', url: '/api/v1/businesses', headers: { authorization: `Bearer ${tenant.token}` }, payload: body });
    expect(expectDetail(response, 403)).toMatch(/admin token \(BILLOW_ADMIN_TOKEN\)/);
    expectDetail(await env.app.inject({ method: 'POST', url: '/api/v1/businesses', payload: body }), 401);
    expectDetail(await env.app.inject({ method: 'POST', url: '/api/v1/businesses', headers: { authorization: 'Bearer bw_pat_nope' }, payload: body }), 401);
  });

  it('money in error messages shows major units too: an overpayment, an unsettled credit note', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody({ line_items: [{ item_id: 'it_widget', quantity: 2 }] }));
    const over = await pay(s.tenant, invoice.id, { amount: 300_000 });
    expect422(over, ['body', 'amount'], 'validation.invalid');
    expect(over.body).toContain('300000 (₹3,000.00)');
    expect(over.body).toContain('236000 (₹2,360.00)');
    ok(await pay(s.tenant, invoice.id, { amount: invoice.total }), 201);
    const unsettled = await creditNote(s.tenant, invoice.id, returnOf(invoice, '1'));
    expect422(unsettled, ['body', 'refund_amount']);
    expect(unsettled.body).toContain('118000 (₹1,180.00)');
  });
});
