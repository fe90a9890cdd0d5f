import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem, createVendor, type Tenant } from '../helpers/factories.ts';
import { signEvent } from '../../scripts/fake-stripe.ts';

/**
 * SPEC §8: bad input gets a 4xx, never a 500. Random JSON in place of whole bodies and of
 * single fields of otherwise valid bodies, on every write surface.
 */
let env: TestEnv;
let tenant: Tenant;

const validInvoice = () => ({
  customer_id: 'ct_fuzz',
  date: '2026-05-12T00:00:00',
  place_of_supply: 'IN-MH',
  line_items: [{ item_id: 'it_fuzz', quantity: 2 }, { name: 'Service', unit_price: 1000, quantity: '1.5', tax_rate: 18 }],
});
const validBill = () => ({ ...validInvoice(), customer_id: undefined, vendor_id: 'vn_fuzz', bill_number: 'B-1' });

beforeAll(async () => {
  env = await testApp();
  tenant = await createBusiness(env.app);
  await createCustomer(tenant, { id: 'ct_fuzz' });
  await createVendor(tenant, { id: 'vn_fuzz' });
  await createItem(tenant, { id: 'it_fuzz' });
});
afterAll(() => env.app.close());

// Values that stress parsers: huge and tiny numbers, odd strings, deep and wide structures.
const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(1e308, -1e308, 1e-320, 2 ** 53 + 1, -0, 0.1 + 0.2, '1e999', '0x10', ' 1 ', '', '\u0000', '\uD800', 'Ω'.repeat(5000)),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

const FIELDS = ['customer_id', 'date', 'due_date', 'place_of_supply', 'currency', 'description', 'reference', 'auto_approve', 'auto_send', 'line_items'];
const LINE_FIELDS = ['item_id', 'name', 'quantity', 'unit_price', 'tax_rate', 'discount_percent', 'discount_amount', 'hsn_code'];

const mutatedInvoice = fc.record({ field: fc.constantFrom(...FIELDS), line: fc.constantFrom(...LINE_FIELDS), onLine: fc.boolean(), value: nasty }).map(({ field, line, onLine, value }) => {
  const body: Json = validInvoice();
  if (onLine) body.line_items[0][line] = value;
  else body[field] = value;
  return body;
});

async function neverServerError(method: 'POST' | 'PATCH', url: string, payload: unknown): Promise<void> {
  const response = await tenant.request(method, url, payload);
  expect(response.statusCode, `${url} ${JSON.stringify(payload)?.slice(0, 300)} → ${response.body.slice(0, 300)}`).toBeLessThan(500);
}

describe('fuzzed bodies never cause a 5xx', () => {
  it('POST /api/v1/invoices with whole random bodies', async () => {
    await fc.assert(fc.asyncProperty(nasty, (body) => neverServerError('POST', '/api/v1/invoices', body)), { numRuns: 150 });
  });

  it('POST /api/v1/invoices with one field of a valid body replaced', async () => {
    await fc.assert(fc.asyncProperty(mutatedInvoice, (body) => neverServerError('POST', '/api/v1/invoices', body)), { numRuns: 250 });
  });

  it('POST /bulk/invoices with mutated items, each answered per item', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(mutatedInvoice, nasty), { minLength: 1, maxLength: 5 }), async (items) => {
        const response = await tenant.post('/bulk/invoices', { invoices: items });
        expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
        expect(response.json().results).toHaveLength(items.length);
      }),
      { numRuns: 80 },
    );
  });

  it('POST /bulk/bills and POST /bills with mutated bills', async () => {
    const mutatedBill = fc.record({ field: fc.constantFrom('vendor_id', 'bill_number', ...FIELDS), value: nasty }).map(({ field, value }) => ({ ...validBill(), [field]: value }));
    await fc.assert(fc.asyncProperty(mutatedBill, (body) => neverServerError('POST', '/bills', body)), { numRuns: 100 });
  });

  it('catalog writes and payments with random bodies', async () => {
    const invoice = (await tenant.post('/api/v1/invoices', { ...validInvoice(), auto_approve: true })).json();
    const targets: ['POST' | 'PATCH', string][] = [
      ['POST', '/api/v1/customers'],
      ['POST', '/api/v1/items'],
      ['PATCH', '/api/v1/customers/ct_fuzz'],
      ['PATCH', '/api/v1/items/it_fuzz'],
      ['POST', `/api/v1/invoices/${invoice.id}/payments`],
      ['POST', `/api/v1/invoices/${invoice.id}/send`],
      ['POST', '/api/v1/invoices/send'],
      ['PATCH', `/api/v1/businesses/${tenant.id}`],
    ];
    const patchable = fc.dictionary(
      fc.constantFrom('name', 'email', 'currency', 'state', 'gstin', 'payment_terms_days', 'unit_price', 'tax_rate', 'amount', 'paid_on', 'source', 'to', 'cc', 'subject', 'message', 'invoice_ids', 'legal_name', 'address', 'tax_id', 'locale', 'time_zone', 'invoice_prefix', 'number_reset', 'footer', 'terms'),
      nasty,
      { maxKeys: 3 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), fc.oneof(nasty, patchable), ([method, url], body) => neverServerError(method, url, body)),
      { numRuns: 250 },
    );
  });
  it('POST /api/v1/invoices/batch with whole random bodies and one field of a valid body replaced', async () => {
    const validBatch = (): Json => ({
      items: [{ customer_id: 'ct_fuzz', due_date: '2099-01-31', line_items: [{ description: 'Fee', quantity: '1.5', unit_price: 1000, item_id: 'it_fuzz', tax_rate: 18 }] }],
      include_delayed_charges: true,
    });
    const mutatedBatch = fc
      .record({
        level: fc.constantFrom('body', 'item', 'line'),
        field: fc.constantFrom('items', 'include_delayed_charges', 'finalize', 'customer_id', 'due_date', 'description', 'line_items', 'quantity', 'unit_price', 'item_id', 'tax_rate'),
        value: nasty,
      })
      .map(({ level, field, value }) => {
        const body = validBatch();
        const target = level === 'body' ? body : level === 'item' ? body.items[0] : body.items[0].line_items[0];
        target[field] = value;
        return body;
      });
    await fc.assert(fc.asyncProperty(fc.oneof(nasty, mutatedBatch), (body) => neverServerError('POST', '/api/v1/invoices/batch', body)), { numRuns: 200 });
  });

  it('delayed-charge writes with random bodies', async () => {
    const charge = (await tenant.post('/api/v1/delayed-charges', { customer_id: 'ct_fuzz', description: 'Fuzz', amount: 100 })).json();
    const fields = fc.dictionary(fc.constantFrom('customer_id', 'item_id', 'description', 'quantity', 'unit_price', 'amount', 'currency', 'tax_rate'), nasty, { maxKeys: 4 });
    const targets: ['POST' | 'PATCH', string][] = [
      ['POST', '/api/v1/delayed-charges'],
      ['PATCH', `/api/v1/delayed-charges/${charge.id}`],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), fc.oneof(nasty, fields, fields.map((f) => ({ customer_id: 'ct_fuzz', ...f }))), ([method, url], body) =>
        neverServerError(method, url, body),
      ),
      { numRuns: 200 },
    );
  });

  it('POST /api/v1/orders and POST /bulk/orders with mutated orders', async () => {
    const validOrder = () => ({ customer_id: 'ct_fuzz', currency: 'INR', place_of_supply: 'IN-MH', meta: { channel: 'web' }, line_items: [{ id: 'l1', item_id: 'it_fuzz', quantity: 2 }] });
    const mutatedOrder = fc
      .record({ field: fc.constantFrom('id', 'customer_id', 'currency', 'place_of_supply', 'meta', 'line_items'), line: fc.constantFrom('id', ...LINE_FIELDS), onLine: fc.boolean(), value: nasty })
      .map(({ field, line, onLine, value }) => {
        const body: Json = validOrder();
        if (onLine) body.line_items[0][line] = value;
        else body[field] = value;
        return body;
      });
    await fc.assert(fc.asyncProperty(fc.oneof(mutatedOrder, nasty), (body) => neverServerError('POST', '/api/v1/orders', body)), { numRuns: 150 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(mutatedOrder, nasty), { minLength: 1, maxLength: 5 }), async (orders) => {
        const response = await tenant.post('/bulk/orders', { orders });
        expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
        expect(response.json().results).toHaveLength(orders.length);
      }),
      { numRuns: 60 },
    );
  });

  it('credit notes, debit notes and /bulk/credit-notes with mutated bodies', async () => {
    const invoice = (await tenant.post('/api/v1/invoices', { ...validInvoice(), auto_approve: true })).json();
    const lineId = invoice.line_items[0].id as string;
    const validNote = () => ({ reason: 'other', date: '2026-06-01', lines: [{ line_id: lineId, quantity: '0.01' }, { description: 'x', amount: 1, tax_rate: 5 }] });
    const fields = ['reason', 'date', 'memo', 'lines', 'refund_amount', 'credit_amount', 'out_of_band_amount', 'invoice_id'];
    const lineFields = ['line_id', 'quantity', 'amount', 'description', 'tax_rate'];
    const mutatedNote = fc.record({ field: fc.constantFrom(...fields), line: fc.constantFrom(...lineFields), onLine: fc.boolean(), value: nasty }).map(({ field, line, onLine, value }) => {
      const body: Json = validNote();
      if (onLine) body.lines[0][line] = value;
      else body[field] = value;
      return body;
    });
    const urls = [`/api/v1/invoices/${invoice.id}/credit-notes`, `/api/v1/invoices/${invoice.id}/debit-notes`];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...urls), fc.oneof(mutatedNote, nasty), (url, body) => neverServerError('POST', url, body)), { numRuns: 200 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(mutatedNote.map((b) => ({ invoice_id: invoice.id, ...b })), nasty), { minLength: 1, maxLength: 4 }), async (items) => {
        const response = await tenant.post('/bulk/credit-notes', { credit_notes: items });
        expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
        expect(response.json().results).toHaveLength(items.length);
      }),
      { numRuns: 60 },
    );
  });

  it('POST /invoices/bulk with random bodies and random orderIds: 4xx in the seeds/003 envelope', async () => {
    await tenant.post('/api/v1/orders', { id: 'ord_fuzz', customer_id: 'ct_fuzz', currency: 'INR', place_of_supply: 'IN-MH', line_items: [{ item_id: 'it_fuzz', quantity: 1 }] });
    const body = fc.oneof(nasty, fc.record({ orderIds: fc.oneof(nasty, fc.array(fc.oneof(nasty, fc.constant('ord_fuzz')), { maxLength: 5 })) }), fc.record({ orderIds: fc.constant(['ord_fuzz']), finalize: nasty }));
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const response = await tenant.post('/invoices/bulk', payload);
        expect(response.statusCode, `${JSON.stringify(payload)?.slice(0, 300)} → ${response.body.slice(0, 300)}`).toBeLessThan(500);
        expect(Object.keys(response.json()).sort()).toEqual(response.statusCode === 201 ? ['count', 'data', 'message', 'success'] : ['message', 'request_id', 'success']);
      }),
      { numRuns: 200 },
    );
  });

  it('webhook endpoint writes with random bodies', async () => {
    // Its own business, which emits no events: fuzzed endpoints never get anything to deliver.
    const hooks = await createBusiness(env.app);
    const created = (await hooks.post('/api/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook', events: ['*'] })).json();
    const fields = fc.dictionary(fc.constantFrom('url', 'events', 'description', 'disabled'), fc.oneof(nasty, fc.array(nasty, { maxLength: 3 })), { maxKeys: 3 });
    const targets: ['POST' | 'PATCH', string][] = [
      ['POST', '/api/v1/webhook-endpoints'],
      ['PATCH', `/api/v1/webhook-endpoints/${created.id}`],
      ['POST', `/api/v1/webhook-endpoints/${created.id}/rotate-secret`],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), fc.oneof(nasty, fields), async ([method, url], body) => {
        const response = await hooks.request(method, url, body);
        expect(response.statusCode, `${url} ${JSON.stringify(body)?.slice(0, 300)} → ${response.body.slice(0, 300)}`).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });

  it('Stripe: the connection, the push route and the signed webhook route with random bodies and signatures', async () => {
    const stripe = await createBusiness(env.app);
    const secret = 'whsec_fuzzfuzzfuzzfuzz';
    const connect = { secret_key: 'sk_test_fuzz00000000', webhook_secret: secret, push: 'manual' };
    const fields = fc.dictionary(fc.constantFrom('secret_key', 'webhook_secret', 'push'), nasty, { maxKeys: 3 });
    await fc.assert(
      fc.asyncProperty(fc.oneof(nasty, fields, fields.map((f) => ({ ...connect, ...f }))), async (body) => {
        const response = await stripe.request('PUT', '/api/v1/integrations/stripe', body);
        expect(response.statusCode, `${JSON.stringify(body)?.slice(0, 300)} → ${response.body.slice(0, 300)}`).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    expect((await stripe.request('PUT', '/api/v1/integrations/stripe', connect)).statusCode).toBe(200);
    const invoice = (await tenant.post('/api/v1/invoices', { ...validInvoice(), auto_approve: true })).json();
    await fc.assert(fc.asyncProperty(nasty, (body) => neverServerError('POST', `/api/v1/invoices/${invoice.id}/stripe`, body)), { numRuns: 40 });
    // Random bytes, random JSON and random event objects, each signed correctly or not: 2xx or 400, never a 5xx.
    const eventBody = fc.oneof(
      nasty.map((v) => JSON.stringify(v) ?? ''),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.record({ id: nasty, type: fc.oneof(nasty, fc.constantFrom('invoice.paid', 'invoice_payment.paid', 'charge.refunded', 'invoice.voided', 'invoice.marked_uncollectible')), data: fc.oneof(nasty, fc.record({ object: nasty })) }).map((e) => JSON.stringify(e)),
    );
    await fc.assert(
      fc.asyncProperty(eventBody, fc.boolean(), async (payload, signed) => {
        const signature = signed ? signEvent(payload, secret) : 't=1,v1=0';
        const response = await env.app.inject({ method: 'POST', url: `/webhooks/stripe/${stripe.id}`, headers: { 'content-type': 'application/json', 'stripe-signature': signature }, payload });
        expect(response.statusCode, `${payload.slice(0, 300)} → ${response.body.slice(0, 300)}`).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });

  it('POST /api/v1/invoices/bulk (CSV import) and import cancel with random bodies and keys', async () => {
    const key = fc.oneof(nasty, fc.constantFrom(`${tenant.id}/x.csv`, `${tenant.id}/../x`, '/etc/passwd', `${tenant.id}/\u0000`, `${tenant.id}/a/./b`));
    const bulkBody = fc.oneof(nasty, fc.record({ s3_key: key, finalize: nasty, skip_invalid: nasty }, { requiredKeys: ['s3_key'] }));
    await fc.assert(fc.asyncProperty(bulkBody, (body) => neverServerError('POST', '/api/v1/invoices/bulk', body)), { numRuns: 150 });
    await fc.assert(fc.asyncProperty(nasty, (body) => neverServerError('POST', '/api/v1/imports/01a0aaaa-0000-7000-8000-000000000000/cancel', body)), { numRuns: 40 });
  });

  it('recurring templates: create, PATCH, bulk and make-recurring with mutated bodies', async () => {
    const validTemplate = (): Json => ({
      name: 'Fuzz retainer',
      customer_id: 'ct_fuzz',
      line_items: [{ item_id: 'it_fuzz', quantity: 1 }, { name: 'Fee', unit_price: 1000, quantity: '1.5', tax_rate: 18 }],
      schedule: { frequency: 'month', interval: 1, day_of_month: 31 },
      start_date: '2099-01-01',
      end: { type: 'after_count', count: 3 },
      mode: 'finalize',
    });
    const fields = ['id', 'name', 'customer_id', 'currency', 'place_of_supply', 'line_items', 'schedule', 'start_date', 'end', 'due_days', 'mode', 'include_delayed_charges', 'backfill'];
    const inner = ['frequency', 'interval', 'day_of_month', 'weekday', 'type', 'date', 'count'];
    const mutated = fc.record({ field: fc.constantFrom(...fields), key: fc.constantFrom(...inner), deep: fc.boolean(), value: nasty }).map(({ field, key, deep, value }) => {
      const body = validTemplate();
      if (deep) (['type', 'date', 'count'].includes(key) ? body.end : body.schedule)[key] = value;
      else body[field] = value;
      return body;
    });
    await fc.assert(fc.asyncProperty(fc.oneof(mutated, nasty), (body) => neverServerError('POST', '/api/v1/recurring-templates', body)), { numRuns: 200 });
    const template = (await tenant.post('/api/v1/recurring-templates', validTemplate())).json();
    await fc.assert(fc.asyncProperty(fc.oneof(mutated.map(({ customer_id: _, id: __, start_date: ___, backfill: ____, ...rest }) => rest), nasty), (body) => neverServerError('PATCH', `/api/v1/recurring-templates/${template.id}`, body)), { numRuns: 150 });
    const invoice = (await tenant.post('/api/v1/invoices', validInvoice())).json();
    await fc.assert(fc.asyncProperty(fc.oneof(mutated.map(({ customer_id: _, line_items: __, ...rest }) => rest), nasty), (body) => neverServerError('POST', `/api/v1/invoices/${invoice.id}/recurring`, body)), { numRuns: 100 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(mutated, nasty), { minLength: 1, maxLength: 4 }), async (items) => {
        const response = await tenant.post('/bulk/recurring-templates', { recurring_templates: items });
        expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
        expect(response.json().results).toHaveLength(items.length);
      }),
      { numRuns: 60 },
    );
  });

  it('banking writes with random bodies: accounts, statements (random keys and column maps), match, unmatch, ignore', async () => {
    const account = (await tenant.post('/api/v1/bank-accounts', { name: 'Fuzz', currency: 'INR' })).json();
    const upload = (csv: string) => {
      const boundary = 'fuzzboundary';
      const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`;
      return tenant.request('POST', '/api/v1/files', payload, { 'content-type': `multipart/form-data; boundary=${boundary}` });
    };
    const key = (await upload('date,amount,description\n2026-11-01,5.00,Fuzz line\n')).json().s3_key as string;
    await tenant.post(`/api/v1/bank-accounts/${account.id}/statements`, { s3_key: key });
    const line = (await tenant.get(`/api/v1/bank-transactions?bank_account_id=${account.id}`)).json().items[0];
    const invoice = (await tenant.post('/api/v1/invoices', { ...validInvoice(), auto_approve: true })).json();
    const columns = fc.dictionary(fc.constantFrom('date', 'amount', 'debit', 'credit', 'description', 'reference', 'transaction_id', 'balance', 'other'), nasty, { maxKeys: 3 });
    const statement = fc.record({ s3_key: fc.oneof(nasty, fc.constant(key)), format: fc.oneof(nasty, fc.constantFrom('csv', 'ofx', 'camt053')), columns: fc.oneof(nasty, columns), date_format: nasty }, { requiredKeys: ['s3_key'] });
    const allocation = fc.record({ invoice_id: fc.oneof(nasty, fc.constant(invoice.id)), bill_id: nasty, amount: fc.oneof(nasty, fc.constant(500)) }, { requiredKeys: [] });
    const match = fc.oneof(nasty, fc.record({ allocations: fc.oneof(nasty, fc.array(allocation, { maxLength: 3 })) }));
    const accountBody = fc.dictionary(fc.constantFrom('name', 'currency', 'last4', 'id'), nasty, { maxKeys: 3 });
    const targets: [string, fc.Arbitrary<unknown>][] = [
      ['/api/v1/bank-accounts', fc.oneof(nasty, accountBody)],
      [`/api/v1/bank-accounts/${account.id}/statements`, fc.oneof(nasty, statement)],
      [`/api/v1/bank-transactions/${line.id}/match`, match],
      [`/api/v1/bank-transactions/${line.id}/unmatch`, nasty],
      [`/api/v1/bank-transactions/${line.id}/ignore`, nasty],
    ];
    for (const [url, body] of targets) await fc.assert(fc.asyncProperty(body, (b) => neverServerError('POST', url, b)), { numRuns: 60 });
    await fc.assert(fc.asyncProperty(fc.oneof(nasty, accountBody), (b) => neverServerError('PATCH', `/api/v1/bank-accounts/${account.id}`, b)), { numRuns: 60 });
  });
});
