import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/app.ts';
import { createBusiness, createCustomer } from '../helpers/factories.ts';
import { eventsOf, expectDetail } from '../helpers/assertions.ts';
import { connectedBusiness, finalizedInvoice, invoiceOf, restartWorkers, roundingLines, settledPush, type StripeTestEnv, stripeTestEnv } from './support.ts';

let env: StripeTestEnv;
beforeAll(async () => {
  env = await stripeTestEnv();
});
afterAll(() => env.close());

/** The fake's invoices and requests of one Billow invoice. */
function inStripe(invoiceId: string) {
  const invoices = [...env.fake.invoices.values()].filter((i) => i.metadata.billow_invoice_id === invoiceId);
  const requests = env.fake.requests.filter((r) => r.idempotencyKey?.includes(invoiceId));
  return { invoices, requests };
}

describe('push to Stripe', () => {
  it('on finalize: one Stripe invoice, send_invoice, due date, metadata, amount_due = balance_due to the unit (per-line rounding), payment link', async () => {
    const c = await connectedBusiness(env);
    const invoice = await finalizedInvoice(c.tenant);
    expect(invoice.stripe_sync).toMatchObject({ status: 'pending' });
    // Per-line rounding: three taxes of 0.5 → 1 each (3), not the invoice's 1.5 → 2.
    expect(invoice.line_items.slice(0, 3).map((l: Json) => l.tax)).toEqual([1, 1, 1]);
    const synced = await settledPush(c.tenant, invoice.id);
    expect(synced.stripe_sync).toMatchObject({ status: 'synced', error: null });
    const { invoices } = inStripe(invoice.id);
    expect(invoices).toHaveLength(1);
    const stripe = invoices[0] as Json;
    expect(synced.stripe_invoice_id).toBe(stripe.id);
    expect(stripe).toMatchObject({ status: 'open', collection_method: 'send_invoice', currency: 'usd', amount_due: invoice.balance_due });
    expect(stripe.metadata).toMatchObject({ billow_invoice_id: invoice.id, billow_business_id: c.tenant.id });
    expect(stripe.due_date).toBe(Date.parse('2099-12-31T23:59:59Z') / 1000);
    expect(stripe.lines.data.map((l: Json) => l.description)).toEqual(['Sticker × 1', 'Sticker × 1', 'Sticker × 1', 'Consulting × 1.5', 'Tax 10%', 'Tax 7.25%']);
    expect(synced.stripe_sync.payment_url).toBe(stripe.hosted_invoice_url);
    const customer = env.fake.customers.get(stripe.customer) as Json;
    expect(customer.metadata).toEqual({ billow_customer_id: 'ct_stripe', billow_business_id: c.tenant.id });
    const events = (await eventsOf(env, c.tenant.id)).map((e) => e.type);
    expect(events).toContain('INVOICE_STRIPE_SYNCED');
  });

  it('every Stripe write carries an idempotency key from Billow ids; a 429 and a 500 on the way still make one invoice, one customer and one set of lines', async () => {
    const c = await connectedBusiness(env);
    env.fake.fail(
      { status: 429, match: /^POST \/v1\/invoices$/, retryAfterSeconds: 1 },
      { status: 500, match: /add_lines$/, afterWork: true },
      { status: 500, match: /finalize$/ },
    );
    const invoice = await finalizedInvoice(c.tenant);
    const synced = await settledPush(c.tenant, invoice.id);
    expect(synced.stripe_sync.status).toBe('synced');
    const { invoices, requests } = inStripe(invoice.id);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]?.amount_due).toBe(invoice.balance_due);
    expect(invoices[0]?.lines.data).toHaveLength(6);
    const statuses = requests.map((r) => `${r.path.replace(/in_fake\d+/, 'ID')} ${r.status}`);
    expect(statuses).toEqual(['/v1/invoices 429', '/v1/invoices 200', '/v1/invoices/ID/add_lines 500', '/v1/invoices/ID/add_lines 200', '/v1/invoices/ID/finalize 500', '/v1/invoices/ID/finalize 200']);
    // The 429 said Retry-After: 1; the retry waited for it.
    const [limited, retried] = requests.filter((r) => r.path === '/v1/invoices');
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950);
    // A retry sends the same key: Stripe answers it with the first result instead of doing it again.
    expect(new Set(requests.map((r) => r.idempotencyKey)).size).toBe(3);
    for (const r of env.fake.requests.filter((q) => q.method === 'POST')) expect(r.idempotencyKey).toMatch(/^billow_/);
    expect([...env.fake.customers.values()].filter((x) => x.metadata.billow_business_id === c.tenant.id)).toHaveLength(1);
  });

  it('finds the Stripe customer by metadata.billow_customer_id and reuses it for the next invoices', async () => {
    const c = await connectedBusiness(env);
    const first = await finalizedInvoice(c.tenant);
    const second = await finalizedInvoice(c.tenant);
    const [a, b] = [await settledPush(c.tenant, first.id), await settledPush(c.tenant, second.id)];
    const customers = [...env.fake.customers.values()].filter((x) => x.metadata.billow_business_id === c.tenant.id);
    expect(customers).toHaveLength(1);
    expect(env.fake.invoices.get(a.stripe_invoice_id)?.customer).toBe(customers[0]?.id);
    expect(env.fake.invoices.get(b.stripe_invoice_id)?.customer).toBe(customers[0]?.id);
  });

  it('GST invoices: CGST and SGST lines, and a partly paid invoice asks Stripe only for the balance due', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomer(tenant, { id: 'ct_stripe', name: 'GST Customer', state: 'IN-MH' });
    const put = await tenant.request('PUT', '/api/v1/integrations/stripe', { secret_key: 'sk_test_gst0000000001', webhook_secret: 'whsec_gstgstgstgst', push: 'manual' });
    expect(put.statusCode, put.body).toBe(200);
    const created = await tenant.post('/api/v1/invoices', {
      customer_id: 'ct_stripe',
      date: '2026-12-01',
      place_of_supply: 'IN-MH',
      line_items: [{ name: 'Widget', unit_price: 33_333, quantity: 3, tax_rate: 18 }, { name: 'Service', unit_price: 999, quantity: 1, tax_rate: 5 }],
      auto_approve: true,
    });
    const invoice = created.json();
    expect(invoice.stripe_sync).toBeNull();
    expect((await tenant.post(`/api/v1/invoices/${invoice.id}/payments`, { amount: 10_000 })).statusCode).toBe(201);
    const pushed = await tenant.post(`/api/v1/invoices/${invoice.id}/stripe`);
    expect(pushed.statusCode, pushed.body).toBe(202);
    expect(pushed.json().stripe_sync.status).toBe('pending');
    const synced = await settledPush(tenant, invoice.id);
    const stripe = env.fake.invoices.get(synced.stripe_invoice_id) as Json;
    expect(stripe.amount_due).toBe(synced.balance_due);
    expect(stripe.amount_due).toBe(invoice.total - 10_000);
    expect(stripe.currency).toBe('inr');
    expect(stripe.lines.data.map((l: Json) => l.description)).toEqual(['Widget × 3', 'Service × 1', 'CGST 9%', 'SGST 9%', 'CGST 2.5%', 'SGST 2.5%', 'Paid or credited in Billow']);
  });

  it('manual push: finalize pushes nothing; POST …/stripe queues it (202), again is a no-op, and the errors are 404 / 409', async () => {
    const c = await connectedBusiness(env, 'manual');
    const invoice = await finalizedInvoice(c.tenant);
    expect(invoice.stripe_sync).toBeNull();
    expect(inStripe(invoice.id).invoices).toHaveLength(0);
    const first = await c.tenant.post(`/api/v1/invoices/${invoice.id}/stripe`, undefined, { 'idempotency-key': 'push-1' });
    expect(first.statusCode, first.body).toBe(202);
    await settledPush(c.tenant, invoice.id);
    const again = await c.tenant.post(`/api/v1/invoices/${invoice.id}/stripe`);
    expect(again.statusCode).toBe(202);
    expect(again.json().stripe_sync.status).toBe('synced');
    expect(inStripe(invoice.id).invoices).toHaveLength(1);
    // Errors: a draft, a paid invoice, an unknown id, another business's invoice, no connection.
    const draft = (await c.tenant.post('/api/v1/invoices', { customer_id: 'ct_stripe', line_items: roundingLines() })).json();
    expect(expectDetail(await c.tenant.post(`/api/v1/invoices/${draft.id}/stripe`), 409)).toMatch(/draft/);
    const paid = await finalizedInvoice(c.tenant);
    await c.tenant.post(`/api/v1/invoices/${paid.id}/payments`, { amount: paid.total });
    expect(expectDetail(await c.tenant.post(`/api/v1/invoices/${paid.id}/stripe`), 409)).toMatch(/Nothing is due/);
    expectDetail(await c.tenant.post('/api/v1/invoices/in_missing/stripe'), 404);
    const other = await connectedBusiness(env, 'manual');
    expectDetail(await other.tenant.post(`/api/v1/invoices/${invoice.id}/stripe`), 404);
    const unconnected = await createBusiness(env.app, { country: 'US', state: null, currency: 'USD' });
    await createCustomer(unconnected, { id: 'ct_stripe', state: null, currency: 'USD' });
    const local = (await unconnected.post('/api/v1/invoices', { customer_id: 'ct_stripe', line_items: roundingLines(), auto_approve: true })).json();
    expect(expectDetail(await unconnected.post(`/api/v1/invoices/${local.id}/stripe`), 409)).toMatch(/not connected/);
    expect((await unconnected.post(`/api/v1/invoices/${local.id}/stripe`, undefined, { 'idempotency-key': '\u0001' })).statusCode).toBe(400);
  });

  it('a refused request fails the push: stripe_sync failed with Stripe\'s message and INVOICE_STRIPE_SYNC_FAILED; pushing again resumes and syncs', async () => {
    const c = await connectedBusiness(env, 'manual');
    const invoice = await finalizedInvoice(c.tenant);
    env.fake.fail({ status: 400, match: /add_lines$/ });
    await c.tenant.post(`/api/v1/invoices/${invoice.id}/stripe`);
    const failed = await settledPush(c.tenant, invoice.id);
    expect(failed.stripe_sync.status).toBe('failed');
    expect(failed.stripe_sync.error).toMatch(/^invalid_request_error: Fake Stripe refused this request\. \(request req_\d+\)$/);
    const events = await eventsOf(env, c.tenant.id);
    const event = events.find((e) => e.type === 'INVOICE_STRIPE_SYNC_FAILED');
    expect(event?.payload.data.stripe_sync.status).toBe('failed');
    expect((await c.tenant.post(`/api/v1/invoices/${invoice.id}/stripe`)).statusCode).toBe(202);
    const synced = await settledPush(c.tenant, invoice.id);
    expect(synced.stripe_sync.status).toBe('synced');
    const { invoices } = inStripe(invoice.id);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]?.amount_due).toBe(invoice.balance_due);
  });

  it('the hosted page offers "Pay online" to Stripe\'s page while an amount is due, and not once paid', async () => {
    const c = await connectedBusiness(env);
    const invoice = await settledPush(c.tenant, (await finalizedInvoice(c.tenant)).id);
    const path = new URL(invoice.hosted_invoice_url).pathname;
    const page = await env.app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`href="${invoice.stripe_sync.payment_url}" rel="noopener" data-testid="pay-online">Pay online</a>`);
    await c.tenant.post(`/api/v1/invoices/${invoice.id}/payments`, { amount: invoice.balance_due });
    expect((await env.app.inject({ method: 'GET', url: path })).body).not.toContain('Pay online');
    const unpushed = await finalizedInvoice((await connectedBusiness(env, 'manual')).tenant);
    expect((await env.app.inject({ method: 'GET', url: new URL(unpushed.hosted_invoice_url).pathname })).body).not.toContain('Pay online');
  });

  it('an invoice voided in Billow before its push ran fails the push instead of reaching Stripe', async () => {
    const c = await connectedBusiness(env, 'manual');
    const invoice = await finalizedInvoice(c.tenant);
    await env.workers.stop();
    try {
      expect((await c.tenant.post(`/api/v1/invoices/${invoice.id}/stripe`)).statusCode).toBe(202);
      expect((await c.tenant.post(`/api/v1/invoices/${invoice.id}/void`)).statusCode).toBe(200);
    } finally {
      env.workers = await restartWorkers(env);
    }
    const failed = await settledPush(c.tenant, invoice.id);
    expect(failed.stripe_sync).toMatchObject({ status: 'failed', error: 'The invoice was voided in Billow before it reached Stripe.' });
    expect(inStripe(invoice.id).invoices).toHaveLength(0);
    expect((await invoiceOf(c.tenant, invoice.id)).stripe_invoice_id).toBeNull();
  });
});
