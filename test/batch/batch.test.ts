import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { eventsOf, expect422, expectDetail } from '../helpers/assertions.ts';
import { createBusiness, createCustomer, createItem, type Tenant } from '../helpers/factories.ts';
import { bearer, limitedToken } from '../foundation/support.ts';
import { BATCH, batchItem, chargesOf, createCharge, createCustomers, DUE, expectBatch, invoiceCount, withKey } from './support.ts';

/** POST /api/v1/invoices/batch (seeds/004, SPEC §6.3) without delayed charges. */
let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

const today = () => new Date().toISOString().slice(0, 10);

describe('a valid batch', () => {
  it('creates one draft invoice per item, in request order, dated today, with the place of supply from the customer', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomer(tenant, { id: 'ct_mh', name: 'Mumbai Co', state: 'IN-MH', email: 'ap@mumbai.example' });
    await createCustomer(tenant, { id: 'ct_ka', name: 'Bengaluru Co', state: 'IN-KA' });
    const item = await createItem(tenant, { id: 'it_hsn', hsn_code: '998314', tax_rate: 5 });
    const response = await tenant.post(BATCH, {
      items: [
        batchItem('ct_ka', { description: 'November' }),
        batchItem('ct_mh', { line_items: [{ description: 'Hosting', quantity: '0.5', unit_price: 1001, item_id: item.id }] }),
      ],
    });
    const [ka, mh] = expectBatch(response, 2);
    expect(ka).toMatchObject({
      object: 'invoice',
      status: 'draft',
      number: null,
      customer_id: 'ct_ka',
      customer_name: 'Bengaluru Co',
      date: today(),
      due_date: DUE,
      place_of_supply: 'IN-KA',
      tax_regime: 'inter',
      description: 'November',
      subtotal: 200_000,
      igst: 36_000,
      cgst: 0,
      total: 236_000,
      journal_entries: [],
    });
    expect(ka.line_items).toMatchObject([{ name: 'Consulting', quantity: 2, unit_price: 100_000, tax_rate: 18, amount: 200_000 }]);
    // item_id links the line: HSN code and (absent tax_rate) the item's rate; the price is the line's.
    expect(mh).toMatchObject({ customer_email: 'ap@mumbai.example', place_of_supply: 'IN-MH', tax_regime: 'intra', subtotal: 501, cgst: 13, sgst: 13, total: 527 });
    expect(mh.line_items[0]).toMatchObject({ item_id: 'it_hsn', name: 'Hosting', hsn_code: '998314', tax_rate: 5, amount: 501 });
    // The invoice in the native API is the batch response's item.
    for (const invoice of [ka, mh]) {
      const read = await tenant.get(`/api/v1/invoices/${invoice.id}`);
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toEqual(invoice);
    }
  });

  it('leaves the place of supply empty for a business outside GST', async () => {
    const tenant = await createBusiness(env.app, { country: 'US', state: 'US-CA', currency: 'USD' });
    await createCustomer(tenant, { id: 'ct_us', state: null });
    const [invoice] = expectBatch(await tenant.post(BATCH, { items: [batchItem('ct_us')] }), 1);
    expect(invoice).toMatchObject({ currency: 'USD', place_of_supply: null, tax_regime: 'simple', tax: 36_000, total: 236_000 });
  });

  it('finalize: true numbers every invoice gaplessly in request order and posts it; events as the bulk surface', async () => {
    const tenant = await createBusiness(env.app, { invoice_prefix: 'BT-' });
    await createCustomers(tenant, 3);
    const response = await tenant.post(BATCH, { items: [batchItem('ct_2'), batchItem('ct_0'), batchItem('ct_1')], finalize: true });
    const invoices = expectBatch(response, 3);
    expect(invoices.map((i) => [i.customer_id, i.number, i.status])).toEqual([
      ['ct_2', 'BT-00001', 'open'],
      ['ct_0', 'BT-00002', 'open'],
      ['ct_1', 'BT-00003', 'open'],
    ]);
    for (const invoice of invoices) {
      expect(invoice.journal_entries).toHaveLength(1);
      expect(invoice.journal_entries[0].lines).toContainEqual({ account_code: '1100', debit: 236_000, credit: 0 });
    }
    const events = await eventsOf(env, tenant.id);
    expect(events.map((e) => [e.type, e.payload.data?.id ?? null])).toEqual([
      ...invoices.flatMap((i) => [
        ['INVOICE_CREATED', i.id],
        ['INVOICE_APPROVED', i.id],
      ]),
      ['INVOICE_BULK_CREATED', null],
    ]);
    expect(events[0]?.payload.data).toEqual(invoices[0]);
    expect(events.at(-1)?.payload.data).toEqual({ count: 3, failed: 0, batch_size: 3 });
  });

  it('emits INVOICE_CREATED only for drafts', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomers(tenant, 1);
    expectBatch(await tenant.post(BATCH, { items: [batchItem('ct_0'), batchItem('ct_0')], finalize: false }), 2);
    expect((await eventsOf(env, tenant.id)).map((e) => e.type)).toEqual(['INVOICE_CREATED', 'INVOICE_CREATED', 'INVOICE_BULK_CREATED']);
  });

  it('replays an Idempotency-Key byte for byte without creating anything again', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomers(tenant, 2);
    const body = { items: [batchItem('ct_0'), batchItem('ct_1')], finalize: true };
    const first = await tenant.post(BATCH, body, withKey('batch-1'));
    expectBatch(first, 2);
    const again = await tenant.post(BATCH, body, withKey('batch-1'));
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(await invoiceCount(tenant)).toBe(2);
    expect422(await tenant.post(BATCH, { ...body, finalize: false }, withKey('batch-1')), ['body'], 'idempotency.mismatch');
  });
});

describe('errors: nothing is created', () => {
  async function tenantWithCharge(): Promise<{ tenant: Tenant; charge: Json }> {
    const tenant = await createBusiness(env.app);
    await createCustomers(tenant, 100);
    const charge = await createCharge(tenant, { customer_id: 'ct_0', amount: 500, description: 'Pending fee' });
    return { tenant, charge };
  }

  async function expectNothingWritten(tenant: Tenant, charge: Json): Promise<void> {
    expect(await invoiceCount(tenant)).toBe(0);
    expect((await chargesOf(tenant)).map((c) => [c.id, c.status])).toEqual([[charge.id, 'pending']]);
    expect((await eventsOf(env, tenant.id)).map((e) => e.type)).toEqual([]);
  }

  const hundred = (last: Json) => [...Array.from({ length: 99 }, (_, i) => batchItem(`ct_${i}`)), last];

  it('a bad 100th item (unknown customer) → 404 naming it; charges stay pending', async () => {
    const { tenant, charge } = await tenantWithCharge();
    const response = await tenant.post(BATCH, { items: hundred(batchItem('ct_missing')), include_delayed_charges: true, finalize: true });
    expect(expectDetail(response, 404)).toContain("'ct_missing'");
    await expectNothingWritten(tenant, charge);
  });

  it('a bad 100th item (invalid date) → 422 at items[99].due_date; charges stay pending', async () => {
    const { tenant, charge } = await tenantWithCharge();
    const response = await tenant.post(BATCH, { items: hundred(batchItem('ct_99', { due_date: '2026-13-45' })), include_delayed_charges: true });
    expect422(response, ['body', 'items', 99, 'due_date']);
    await expectNothingWritten(tenant, charge);
  });

  it('a bad 100th item found by the engine (due before today) → 422 naming it', async () => {
    const { tenant, charge } = await tenantWithCharge();
    const response = await tenant.post(BATCH, { items: hundred(batchItem('ct_99', { due_date: '2020-01-01' })), include_delayed_charges: true });
    expect422(response, ['body', 'items', 99, 'due_date'], 'validation.invalid');
    await expectNothingWritten(tenant, charge);
  });

  it('another business’s customer is a 404 like an unknown one', async () => {
    const { tenant, charge } = await tenantWithCharge();
    const other = await createBusiness(env.app);
    await createCustomer(other, { id: 'ct_theirs' });
    expect(expectDetail(await tenant.post(BATCH, { items: [batchItem('ct_0'), batchItem('ct_theirs')] }), 404)).toContain("'ct_theirs'");
    expect(expectDetail(await tenant.post(BATCH, { items: [batchItem('ct_0', { line_items: [{ description: 'x', quantity: 1, unit_price: 1, item_id: 'it_gone' }] })] }), 404)).toContain("'it_gone'");
    await expectNothingWritten(tenant, charge);
  });

  it('bad input → 422 naming the item and field', async () => {
    const { tenant, charge } = await tenantWithCharge();
    const line = (extra: Json) => ({ line_items: [{ description: 'x', quantity: 1, unit_price: 100, ...extra }] });
    const cases: [Json, (string | number)[], string?][] = [
      [{ items: [] }, ['body', 'items'], 'too_short'],
      [{ items: Array.from({ length: 101 }, () => batchItem('ct_0')) }, ['body', 'items'], 'too_long'],
      [{ items: [batchItem('ct_0')], sweep: true }, ['body', 'sweep'], 'extra_forbidden'],
      [{ items: [batchItem('ct_0')], finalize: 'yes' }, ['body', 'finalize'], 'boolean_type'],
      [{ items: [batchItem('ct_0'), batchItem('ct_1', { colour: 'red' })] }, ['body', 'items', 1, 'colour'], 'extra_forbidden'],
      [{ items: [batchItem('ct_0', { due_date: undefined })] }, ['body', 'items', 0, 'due_date'], 'missing'],
      [{ items: [batchItem('ct_0', { due_date: '2026-02-30' })] }, ['body', 'items', 0, 'due_date']],
      [{ items: [batchItem('ct_0', { due_date: '2099-01-31T00:00:00' })] }, ['body', 'items', 0, 'due_date']],
      [{ items: [batchItem('ct_0', { customer_id: 42 })] }, ['body', 'items', 0, 'customer_id'], 'string_type'],
      [{ items: [batchItem('ct_0', { line_items: [] })] }, ['body', 'items', 0, 'line_items'], 'too_short'],
      [{ items: [batchItem('ct_0'), batchItem('ct_1'), batchItem('ct_2'), batchItem('ct_3', line({ quantity: -2 }))] }, ['body', 'items', 3, 'line_items', 0, 'quantity']],
      [{ items: [batchItem('ct_0'), batchItem('ct_1'), batchItem('ct_2'), batchItem('ct_3', line({ quantity: '1.23456' }))] }, ['body', 'items', 3, 'line_items', 0, 'quantity'], 'validation.invalid'],
      [{ items: [batchItem('ct_0', line({ quantity: '0' }))] }, ['body', 'items', 0, 'line_items', 0, 'quantity'], 'validation.invalid'],
      [{ items: [batchItem('ct_0', line({ unit_price: 1.5 }))] }, ['body', 'items', 0, 'line_items', 0, 'unit_price'], 'integer_type'],
      [{ items: [batchItem('ct_0', line({ unit_price: undefined }))] }, ['body', 'items', 0, 'line_items', 0, 'unit_price'], 'missing'],
      [{ items: [batchItem('ct_0', line({ tax_rate: '250' }))] }, ['body', 'items', 0, 'line_items', 0, 'tax_rate'], 'validation.invalid'],
      [{ items: [batchItem('ct_0', line({ place_of_supply: 'IN-KA' }))] }, ['body', 'items', 0, 'line_items', 0, 'place_of_supply'], 'extra_forbidden'],
      [{ items: [batchItem('ct_0', { place_of_supply: 'IN-KA' })] }, ['body', 'items', 0, 'place_of_supply'], 'extra_forbidden'],
    ];
    for (const [body, loc, type] of cases) expect422(await tenant.post(BATCH, body), loc, type);
    await expectNothingWritten(tenant, charge);
  });

  it('a GST customer without a state → 422 naming items[i].customer_id', async () => {
    const { tenant, charge } = await tenantWithCharge();
    await createCustomer(tenant, { id: 'ct_nostate', state: null });
    await createCustomer(tenant, { id: 'ct_abroad', state: 'US-CA' });
    const missing = await tenant.post(BATCH, { items: [batchItem('ct_0'), batchItem('ct_nostate')] });
    expect422(missing, ['body', 'items', 1, 'customer_id'], 'validation.required');
    expect(missing.json().detail[0].msg).toContain('ct_nostate');
    expect422(await tenant.post(BATCH, { items: [batchItem('ct_abroad')] }), ['body', 'items', 0, 'customer_id'], 'validation.invalid');
    await expectNothingWritten(tenant, charge);
  });

  it('lists every invalid item in one 422; the first failing item decides between 404 and 422', async () => {
    const { tenant, charge } = await tenantWithCharge();
    await createCustomer(tenant, { id: 'ct_nostate', state: null });
    const pastDue = batchItem('ct_1', { due_date: '2020-01-01' });
    const invalid = await tenant.post(BATCH, { items: [batchItem('ct_0'), pastDue, batchItem('ct_2'), batchItem('ct_nostate'), batchItem('ct_gone')] });
    expect422(invalid, ['body', 'items', 1, 'due_date'], 'validation.invalid');
    expect422(invalid, ['body', 'items', 3, 'customer_id'], 'validation.required');
    expect(invalid.json().detail).toHaveLength(2);
    expect(expectDetail(await tenant.post(BATCH, { items: [batchItem('ct_gone'), pastDue] }), 404)).toContain("'ct_gone'");
    await expectNothingWritten(tenant, charge);
  });

  it('400 for a malformed body or Idempotency-Key', async () => {
    const { tenant, charge } = await tenantWithCharge();
    const raw = await env.app.inject({ method: 'POST', url: BATCH, headers: { ...tenant.headers, 'content-type': 'application/json' }, payload: '{"items":[' });
    expectDetail(raw, 400);
    expectDetail(await tenant.post(BATCH, { items: [batchItem('ct_0')] }, { 'idempotency-key': 'ключ' }), 400);
    await expectNothingWritten(tenant, charge);
  });

  it('401 without a token, 403 without invoices.CREATE', async () => {
    const { tenant, charge } = await tenantWithCharge();
    const body = { items: [batchItem('ct_0')], include_delayed_charges: true };
    expectDetail(await env.app.inject({ method: 'POST', url: BATCH, payload: body }), 401);
    const { token } = await limitedToken(env, tenant, ['invoices.READ', 'charges.*']);
    expect(expectDetail(await env.app.inject({ method: 'POST', url: BATCH, headers: bearer(token), payload: body }), 403)).toContain('invoices.CREATE');
    await expectNothingWritten(tenant, charge);
  });
});

describe('OpenAPI', () => {
  it('documents the route with the seed’s operationId, its schemas and every status', async () => {
    const doc = (await env.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const operation = doc.paths['/api/v1/invoices/batch'].post;
    expect(operation.operationId).toBe('create_batch_invoices_api_v1_invoices_batch_post');
    expect(operation.summary).toBe('Batch create invoices');
    // With what every authenticated POST with a body can give (body limit, media type, rate limit, 500, database unavailable).
    expect(Object.keys(operation.responses).sort()).toEqual(['201', '400', '401', '403', '404', '409', '413', '415', '422', '429', '500', '503']);
    const body = operation.requestBody.content['application/json'].schema;
    expect(body.properties.items.maxItems).toBe(100);
    expect(body.properties.items.items.required.sort()).toEqual(['customer_id', 'due_date', 'line_items']);
    for (const path of ['/api/v1/delayed-charges', '/api/v1/delayed-charges/{id}']) {
      for (const [method, op] of Object.entries(doc.paths[path] as Record<string, Json>)) {
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        expect(op.description, `${method} ${path}`).toBeTruthy();
        expect(op.tags).toEqual(['delayed-charges']);
      }
    }
  });
});

describe('BATCH_MAX_ITEMS', () => {
  it('bounds the items of one call', async () => {
    const small = await testApp({ batchMaxItems: 3 });
    try {
      const tenant = await createBusiness(small.app);
      await createCustomers(tenant, 1);
      expect422(await tenant.post(BATCH, { items: Array.from({ length: 4 }, () => batchItem('ct_0')) }), ['body', 'items'], 'too_long');
      expectBatch(await tenant.post(BATCH, { items: Array.from({ length: 3 }, () => batchItem('ct_0')) }), 3);
    } finally {
      await small.app.close();
    }
  });
});
