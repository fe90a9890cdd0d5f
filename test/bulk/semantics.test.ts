import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/modules/businesses/create-business.ts';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem, createVendor } from '../helpers/factories.ts';
import {
  billEntry,
  countDocuments,
  DATE,
  entrySums,
  expectBulkError,
  expectBulkOk,
  type Fixture,
  fixture,
  invoiceEntry,
} from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

describe('POST /bulk/invoices: per-item results', () => {
  let f: Fixture;
  let other: Fixture;
  beforeEach(async () => {
    f = await fixture(await createBusiness(env.app));
    other = await fixture(await createBusiness(env.app));
  });

  it('creates the good rows and reports each bad row with its code and field, in request order, with HTTP 200', async () => {
    const entries: { entry: unknown; error?: { code: string; field: string | null } }[] = [
      { entry: invoiceEntry(f, { reference: 'good-0' }) },
      {
        entry: invoiceEntry(f, { line_items: [{ item_id: 'it_missing', quantity: 1 }] }),
        error: { code: 'not_found.resource', field: 'line_items[0].item_id' },
      },
      { entry: invoiceEntry(f, { reference: 'good-2', line_items: [{ name: 'Consulting', unit_price: 5_000, quantity: '2.5' }] }) },
      { entry: invoiceEntry(f, { customer_id: 'ct_missing' }), error: { code: 'not_found.resource', field: 'customer_id' } },
      { entry: invoiceEntry(f, { customer_id: other.customer.id }), error: { code: 'not_found.resource', field: 'customer_id' } },
      {
        entry: invoiceEntry(f, { line_items: [{ item_id: other.item.id, quantity: 1 }] }),
        error: { code: 'not_found.resource', field: 'line_items[0].item_id' },
      },
      {
        entry: invoiceEntry(f, { line_items: [{ item_id: f.item.id, quantity: 1.23456 }] }),
        error: { code: 'validation.invalid', field: 'line_items[0].quantity' },
      },
      {
        entry: invoiceEntry(f, { line_items: [{ item_id: f.item.id, quantity: -1 }] }),
        error: { code: 'validation.invalid', field: 'line_items[0].quantity' },
      },
      { entry: invoiceEntry(f, { due_date: '2026-05-11' }), error: { code: 'validation.invalid', field: 'due_date' } },
      { entry: 'not an invoice', error: { code: 'validation.invalid', field: null } },
      { entry: invoiceEntry(f, { colour: 'red' }), error: { code: 'validation.invalid', field: 'colour' } },
      {
        entry: invoiceEntry(f, { line_items: [{ item_id: f.item.id, quantity: 1, colour: 'red' }] }),
        error: { code: 'validation.invalid', field: 'line_items[0].colour' },
      },
      { entry: { ...invoiceEntry(f), customer_id: undefined }, error: { code: 'validation.required', field: 'customer_id' } },
      { entry: invoiceEntry(f, { reference: 'good-13', auto_approve: true }) },
    ];
    const good = entries.filter((e) => !e.error).length;
    const response = await f.tenant.post('/bulk/invoices', { invoices: entries.map((e) => e.entry) });
    const body = expectBulkOk(response, 'invoices', entries.length, good);

    entries.forEach((e, i) => {
      const result = body.results[i];
      if (e.error) {
        expect(result.ok, `row ${i}`).toBe(false);
        expect(result.error.code, `row ${i}: ${JSON.stringify(result.error)}`).toBe(e.error.code);
        expect(result.error.field, `row ${i}: ${JSON.stringify(result.error)}`).toBe(e.error.field);
      } else {
        expect(result.ok, `row ${i}: ${JSON.stringify(result.error)}`).toBe(true);
        expect(result.invoice.reference).toBe(`good-${i}`);
        expect(result.invoice.customer_id).toBe(f.customer.id);
        expect(result.invoice.business_id).toBe(f.tenant.id);
      }
    });
    expect(body.results[1].error.message).toContain('it_missing');
    expect(body.results[3].error.message).toContain('ct_missing');

    // Durable: each returned invoice is what the native API serves.
    for (const result of (body.results as Json[]).filter((r) => r.ok)) {
      const read = await f.tenant.get(`/api/v1/invoices/${result.invoice.id}`);
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toEqual(result.invoice);
    }
    // The bad rows created nothing, here or in the other business.
    expect(await countDocuments(f.tenant, 'invoices')).toBe(good);
    expect(await countDocuments(other.tenant, 'invoices')).toBe(0);
  });

  it.each([
    ['zero', 0],
    ['negative', -2],
    ['five decimals (number)', 1.00001],
    ['five decimals (string)', '1.00001'],
    ['in exponent notation below 4 decimals', 1e-7],
    ['text', 'abc'],
    ['too large', 1e13],
    ['a boolean', true],
    ['null', null],
  ])('reports a %s quantity as validation.invalid at line_items[i].quantity', async (_label, quantity) => {
    const response = await f.tenant.post('/bulk/invoices', {
      invoices: [
        invoiceEntry(f),
        invoiceEntry(f, { line_items: [{ item_id: f.item.id, quantity: 1 }, { item_id: f.item.id, quantity }] }),
      ],
    });
    const body = expectBulkOk(response, 'invoices', 2, 1);
    expect(body.results[0].ok).toBe(true);
    expect(body.results[1].error.code).toBe('validation.invalid');
    expect(body.results[1].error.field).toBe('line_items[1].quantity');
    expect(await countDocuments(f.tenant, 'invoices')).toBe(1);
  });

  it('names the field of each invalid value and still creates the good rows around them', async () => {
    const usd = await createItem(f.tenant, { name: 'Priced in USD', currency: 'USD' });
    const cases: [unknown, string, string | null][] = [
      [invoiceEntry(f, { date: '2026-02-30' }), 'validation.invalid', 'date'],
      [invoiceEntry(f, { date: 'not-a-date-at-all' }), 'validation.invalid', 'date'],
      [invoiceEntry(f, { due_date: '2026-05-01' }), 'validation.invalid', 'due_date'],
      [invoiceEntry(f, { currency: 'XYZ' }), 'validation.invalid', 'currency'],
      [invoiceEntry(f, { place_of_supply: 'IN-XX' }), 'validation.invalid', 'place_of_supply'],
      [invoiceEntry(f, { line_items: [{ item_id: usd.id, quantity: 1 }] }), 'validation.invalid', 'line_items[0].item_id'],
      [invoiceEntry(f, { line_items: [{ name: 'Big', unit_price: 1e15, quantity: '999999999999' }] }), 'validation.too_large', 'line_items[0]'],
      [invoiceEntry(f, { line_items: [{ quantity: 1 }] }), 'validation.required', 'line_items[0].name'],
      [invoiceEntry(f, { line_items: [{ name: 'No price', quantity: 1 }] }), 'validation.required', 'line_items[0].unit_price'],
      [invoiceEntry(f, { line_items: [{ item_id: f.item.id, quantity: 1, discount_amount: 200_000 }] }), 'validation.invalid', 'line_items[0].discount_amount'],
      [invoiceEntry(f, { line_items: Array.from({ length: 501 }, () => ({ item_id: f.item.id, quantity: 1 })) }), 'validation.too_large', 'line_items'],
      [invoiceEntry(f, { auto_approve: 'yes' }), 'validation.invalid', 'auto_approve'],
      [[], 'validation.invalid', null],
    ];
    const invoices = cases.flatMap(([entry], i) => [invoiceEntry(f, { reference: `ok-${i}` }), entry]);
    const response = await f.tenant.post('/bulk/invoices', { invoices });
    const body = expectBulkOk(response, 'invoices', cases.length * 2, cases.length);
    cases.forEach(([, code, field], i) => {
      expect(body.results[2 * i].invoice.reference).toBe(`ok-${i}`);
      expect(body.results[2 * i + 1].error, `case ${i}`).toMatchObject({ code, field });
    });
    expect(await countDocuments(f.tenant, 'invoices')).toBe(cases.length);
  });

  it('resolves client-chosen ids within the business only', async () => {
    const a = f.tenant;
    const b = other.tenant;
    await createCustomer(a, { id: 'ct_acme', name: 'Acme of A' });
    await createCustomer(b, { id: 'ct_acme', name: 'Acme of B' });
    await createItem(b, { id: 'it_widget', name: 'Widget of B', unit_price: 7_000 });
    const line = { item_id: 'it_widget', quantity: 1 };
    const response = await b.post('/bulk/invoices', { invoices: [{ customer_id: 'ct_acme', date: DATE, place_of_supply: 'IN-MH', line_items: [line] }] });
    const invoice = expectBulkOk(response, 'invoices', 1, 1).results[0].invoice;
    expect(invoice).toMatchObject({ customer_id: 'ct_acme', customer_name: 'Acme of B', subtotal: 7_000 });
    expect(invoice.line_items[0].name).toBe('Widget of B');
    // A has ct_acme but no it_widget: the item is not found there.
    const inA = await a.post('/bulk/invoices', { invoices: [{ customer_id: 'ct_acme', date: DATE, place_of_supply: 'IN-MH', line_items: [line] }] });
    expect(expectBulkOk(inA, 'invoices', 1, 0).results[0].error).toMatchObject({ code: 'not_found.resource', field: 'line_items[0].item_id' });
    // Another business cannot read the created invoice.
    const foreign = await a.get(`/api/v1/invoices/${invoice.id}`);
    expect(foreign.statusCode).toBe(404);
    expect(await countDocuments(a, 'invoices')).toBe(0);
  });

  it('numbers auto-approved invoices per fiscal year, gapless in each, when the series resets', async () => {
    const fy = await fixture(await createBusiness(env.app, { number_reset: 'fiscal_year' }));
    const dates = ['2026-03-30', '2026-04-01', '2026-03-31', '2026-04-02', '2026-04-03'];
    const response = await fy.tenant.post('/bulk/invoices', { invoices: dates.map((date) => invoiceEntry(fy, { date, auto_approve: true })) });
    const numbers = (expectBulkOk(response, 'invoices', 5, 5).results as Json[]).map((r) => r.invoice.number);
    expect(numbers).toEqual(['INV-2526-00001', 'INV-2627-00001', 'INV-2526-00002', 'INV-2627-00002', 'INV-2627-00003']);
  });

  it('returns 200 with every row failed when nothing is valid, and creates nothing', async () => {
    const response = await f.tenant.post('/bulk/invoices', {
      invoices: [invoiceEntry(f, { customer_id: 'ct_nope' }), 42, null, invoiceEntry(f, { line_items: [] })],
    });
    const body = expectBulkOk(response, 'invoices', 4, 0);
    expect(body.message).toBe('0 of 4 invoices created.');
    expect(body.results.map((r: Json) => r.error.code)).toEqual([
      'not_found.resource',
      'validation.invalid',
      'validation.invalid',
      'validation.invalid',
    ]);
    expect(body.results[3].error.field).toBe('line_items');
    expect(await countDocuments(f.tenant, 'invoices')).toBe(0);
  });

  it('auto-fills name, description, unit price, tax rate and HSN from the item; auto_approve numbers and posts a balanced entry', async () => {
    const item = await createItem(f.tenant, { name: 'Gadget', description: 'Pocket gadget', unit_price: 25_050, tax_rate: 12, hsn_code: '8517' });
    const response = await f.tenant.post('/bulk/invoices', {
      invoices: [
        invoiceEntry(f, { line_items: [{ item_id: item.id, quantity: 2 }], auto_approve: true }),
        invoiceEntry(f, { place_of_supply: 'IN-KA', line_items: [{ item_id: item.id, quantity: 1, name: 'Renamed', unit_price: 10_000, tax_rate: 5, hsn_code: '9999' }] }),
      ],
    });
    const body = expectBulkOk(response, 'invoices', 2, 2);

    const approved = body.results[0].invoice;
    const [line] = approved.line_items;
    expect(line).toMatchObject({
      item_id: item.id,
      name: 'Gadget',
      description: 'Pocket gadget',
      hsn_code: '8517',
      quantity: 2,
      unit_price: 25_050,
      tax_rate: 12,
      amount: 50_100,
      taxable_amount: 50_100,
      cgst: 3_006,
      sgst: 3_006,
      igst: 0,
      total: 56_112,
    });
    expect(approved).toMatchObject({ status: 'open', subtotal: 50_100, cgst: 3_006, sgst: 3_006, igst: 0, tax_total: 6_012, total: 56_112, balance_due: 56_112 });
    expect(approved.date).toBe('2026-05-12');
    expect(approved.due_date).toBe('2026-06-11');
    expect(approved.number).toMatch(/^INV-\d+$/);
    expect(approved.finalized_at).not.toBeNull();
    expect(approved.journal_entries).toHaveLength(1);
    const entry = approved.journal_entries[0];
    const sums = entrySums(entry);
    expect(sums.debit).toBe(sums.credit);
    expect(sums.debit).toBe(approved.total);

    // Lines that give their own values keep them; inter-state supply is IGST.
    const draft = body.results[1].invoice;
    expect(draft.line_items[0]).toMatchObject({ name: 'Renamed', unit_price: 10_000, tax_rate: 5, hsn_code: '9999', description: 'Pocket gadget', igst: 500, cgst: 0, sgst: 0 });
    expect(draft).toMatchObject({ status: 'draft', number: null, journal_entries: [], total: 10_500, place_of_supply: 'IN-KA' });

    const read = await f.tenant.get(`/api/v1/invoices/${approved.id}`);
    expect(read.json()).toMatchObject({ status: 'open', number: approved.number, journal_entries: [entry] });
  });

  it('does not require place_of_supply on a non-GST business', async () => {
    const us = await fixture(await createBusiness(env.app, { country: 'US', state: null, currency: 'USD' }));
    const response = await us.tenant.post('/bulk/invoices', {
      invoices: [{ customer_id: us.customer.id, date: DATE, line_items: [{ item_id: us.item.id, quantity: 1 }], currency: 'USD' }],
    });
    const body = expectBulkOk(response, 'invoices', 1, 1);
    expect(body.results[0].invoice.place_of_supply).toBeNull();
    expect(body.results[0].invoice.tax_total).toBe(18_000);
  });
});

describe('POST /bulk/bills: per-item results', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture(await createBusiness(env.app));
  });

  it('refuses a bill number repeated inside the batch: the first wins, the repeat is conflict.duplicate', async () => {
    const second = await createVendor(f.tenant, { name: 'Second supplier' });
    const response = await f.tenant.post('/bulk/bills', {
      bills: [
        billEntry(f, 'B-1'),
        billEntry(f, 'B-1'),
        billEntry(f, 'B-2'),
        billEntry(f, 'B-1', { vendor_id: second.id }),
        billEntry(f, 'B-3', { vendor_id: 'vd_missing' }),
        { ...billEntry(f, 'B-4'), bill_number: undefined },
      ],
    });
    const body = expectBulkOk(response, 'bills', 6, 3);
    expect(body.results.map((r: Json) => r.ok)).toEqual([true, false, true, true, false, false]);
    expect(body.results[0].bill).toMatchObject({ bill_number: 'B-1', vendor_id: f.vendor.id, status: 'draft' });
    expect(body.results[1].error).toMatchObject({ code: 'conflict.duplicate', field: 'bill_number' });
    expect(body.results[3].bill).toMatchObject({ bill_number: 'B-1', vendor_id: second.id });
    expect(body.results[4].error).toMatchObject({ code: 'not_found.resource', field: 'vendor_id' });
    expect(body.results[5].error).toMatchObject({ code: 'validation.required', field: 'bill_number' });
    for (const result of (body.results as Json[]).filter((r) => r.ok)) {
      const read = await f.tenant.get(`/api/v1/bills/${result.bill.id}`);
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toEqual(result.bill);
    }
    expect(await countDocuments(f.tenant, 'bills')).toBe(3);
  });

  it('refuses a bill number that already exists in the database with conflict.duplicate', async () => {
    const earlier = await f.tenant.post('/bulk/bills', { bills: [billEntry(f, 'B-9')] });
    expectBulkOk(earlier, 'bills', 1, 1);
    const response = await f.tenant.post('/bulk/bills', { bills: [billEntry(f, 'B-10'), billEntry(f, 'B-9')] });
    const body = expectBulkOk(response, 'bills', 2, 1);
    expect(body.results[0].bill.bill_number).toBe('B-10');
    expect(body.results[1].error).toMatchObject({ code: 'conflict.duplicate', field: 'bill_number' });
    expect(body.results[1].error.message).toContain('B-9');
    expect(await countDocuments(f.tenant, 'bills')).toBe(2);
  });

  it('approves a bill with auto_approve: open status and a balanced entry', async () => {
    const response = await f.tenant.post('/bulk/bills', { bills: [billEntry(f, 'B-A', { line_items: [{ item_id: f.item.id, quantity: 3 }], auto_approve: true })] });
    const bill = expectBulkOk(response, 'bills', 1, 1).results[0].bill;
    expect(bill).toMatchObject({ status: 'open', subtotal: 300_000, tax_total: 54_000, total: 354_000 });
    expect(bill.line_items[0]).toMatchObject({ name: 'Widget', unit_price: 100_000, tax_rate: 18, hsn_code: '8471' });
    expect(bill.journal_entries).toHaveLength(1);
    const sums = entrySums(bill.journal_entries[0]);
    expect(sums.debit).toBe(sums.credit);
    expect(sums.credit).toBe(354_000);
  });
});

describe('bulk request-level errors', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture(await createBusiness(env.app));
  });

  it('refuses 51 invoices with 422 and creates nothing', async () => {
    const response = await f.tenant.post('/bulk/invoices', { invoices: Array.from({ length: 51 }, () => invoiceEntry(f)) });
    const body = expectBulkError(response, 422, undefined, 'invoices');
    expect(body.error.code).toMatch(/^validation\./);
    expect(await countDocuments(f.tenant, 'invoices')).toBe(0);
  });

  it('accepts exactly 50 invoices', async () => {
    const response = await f.tenant.post('/bulk/invoices', { invoices: Array.from({ length: 50 }, () => invoiceEntry(f)) });
    expectBulkOk(response, 'invoices', 50, 50);
    expect(await countDocuments(f.tenant, 'invoices')).toBe(50);
  });

  it('accepts the largest batch: 50 invoices of 500 lines each', async () => {
    const lines = Array.from({ length: 500 }, () => ({ item_id: f.item.id, quantity: 1 }));
    const response = await f.tenant.post('/bulk/invoices', { invoices: Array.from({ length: 50 }, () => invoiceEntry(f, { line_items: lines, auto_approve: true })) });
    const body = expectBulkOk(response, 'invoices', 50, 50);
    for (const r of body.results as Json[]) {
      expect(r.invoice.line_items).toHaveLength(500);
      expect(r.invoice.total).toBe(500 * 118_000);
    }
    expect(await countDocuments(f.tenant, 'invoices')).toBe(50);
  });

  it('refuses 51 bills with 422 and creates nothing', async () => {
    const response = await f.tenant.post('/bulk/bills', { bills: Array.from({ length: 51 }, (_, i) => billEntry(f, `B-${i}`)) });
    expectBulkError(response, 422, undefined, 'bills');
    expect(await countDocuments(f.tenant, 'bills')).toBe(0);
  });

  it.each(['invoices', 'bills'] as const)('refuses an empty %s array with 422', async (plural) => {
    const response = await f.tenant.post(`/bulk/${plural}`, { [plural]: [] });
    const body = expectBulkError(response, 422, undefined, plural);
    expect(body.error.code).toMatch(/^validation\./);
  });

  it('refuses a body without the invoices key with 422 validation.required', async () => {
    const response = await f.tenant.post('/bulk/invoices', { bills: [invoiceEntry(f)] });
    expectBulkError(response, 422, undefined);
    const missing = await f.tenant.post('/bulk/invoices', {});
    expectBulkError(missing, 422, 'validation.required', 'invoices');
    expect(await countDocuments(f.tenant, 'invoices')).toBe(0);
  });

  it.each([
    ['a string', 'oops'],
    ['an object', { customer_id: 'ct_x' }],
    ['null', null],
    ['a number', 3],
  ])('refuses invoices given as %s with 422 validation.invalid', async (_label, value) => {
    const response = await f.tenant.post('/bulk/invoices', { invoices: value });
    expectBulkError(response, 422, 'validation.invalid', 'invoices');
  });

  it('refuses a body that is an array or has unknown top-level fields with 422', async () => {
    expectBulkError(await f.tenant.post('/bulk/invoices', [invoiceEntry(f)]), 422, 'validation.invalid');
    expectBulkError(await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f)], dry_run: true }), 422, 'validation.invalid', 'dry_run');
    expect(await countDocuments(f.tenant, 'invoices')).toBe(0);
  });

  it('refuses malformed JSON with 400 in the bulk format', async () => {
    const response = await env.app.inject({
      method: 'POST',
      url: '/bulk/invoices',
      headers: { ...f.tenant.headers, 'content-type': 'application/json' },
      payload: '{"invoices": [ {"customer_id": ',
    });
    expectBulkError(response, 400, 'request.malformed_json');
    expect(await countDocuments(f.tenant, 'invoices')).toBe(0);
  });

  it('refuses a body over the size limit with 413 and an unsupported media type with 415, in the bulk format', async () => {
    const huge = await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f, { notes: 'x'.repeat(env.config.bodyLimitBytes + 1) })] });
    expectBulkError(huge, 413, 'request.too_large');
    const text = await env.app.inject({
      method: 'POST',
      url: '/bulk/invoices',
      headers: { ...f.tenant.headers, 'content-type': 'application/xml' },
      payload: JSON.stringify({ invoices: [invoiceEntry(f)] }),
    });
    expectBulkError(text, 415, 'request.unsupported_media_type');
    expect(await countDocuments(f.tenant, 'invoices')).toBe(0);
  });

  it('refuses a request without a token, or with a bad one, with 401 in the bulk format', async () => {
    const payload = { invoices: [invoiceEntry(f)] };
    const none = await env.app.inject({ method: 'POST', url: '/bulk/invoices', payload });
    expectBulkError(none, 401, 'auth.unauthenticated', null);
    const bad = await env.app.inject({ method: 'POST', url: '/bulk/bills', headers: { authorization: 'Bearer bw_pat_not-a-real-token-000000000000' }, payload });
    expectBulkError(bad, 401, 'auth.unauthenticated', null);
    expect(await countDocuments(f.tenant, 'invoices')).toBe(0);
  });

  it('refuses a token without the CREATE scope of the surface with 403', async () => {
    const { token } = await createApiToken(env.database.db, { businessId: f.tenant.id, name: 'bills only', scopes: ['bills.CREATE', 'invoices.READ'] });
    const response = await env.app.inject({ method: 'POST', url: '/bulk/invoices', headers: { authorization: `Bearer ${token}` }, payload: { invoices: [invoiceEntry(f)] } });
    const body = expectBulkError(response, 403, 'auth.forbidden');
    expect(body.message).toContain('invoices.CREATE');
    const bills = await env.app.inject({ method: 'POST', url: '/bulk/bills', headers: { authorization: `Bearer ${token}` }, payload: { bills: [billEntry(f, 'B-1')] } });
    expectBulkOk(bills, 'bills', 1, 1);
    expect(await countDocuments(f.tenant, 'invoices')).toBe(0);
  });

  it('refuses an x-business-id the token cannot reach with 403 and creates nothing there', async () => {
    const other = await createBusiness(env.app);
    const otherCustomer = await createCustomer(other);
    const response = await env.app.inject({
      method: 'POST',
      url: '/bulk/invoices',
      headers: { ...f.tenant.headers, 'x-business-id': other.id },
      payload: { invoices: [{ customer_id: otherCustomer.id, date: DATE, place_of_supply: 'IN-MH', line_items: [{ name: 'X', unit_price: 1, quantity: 1 }] }] },
    });
    expectBulkError(response, 403, 'auth.forbidden');
    expect(await countDocuments(other, 'invoices')).toBe(0);
  });
});

describe('BULK_MAX_ITEMS', () => {
  let small: TestEnv;
  beforeAll(async () => {
    small = await testApp({ bulkMaxItems: 5 });
  });
  afterAll(() => small.app.close());

  it('refuses one item more than BULK_MAX_ITEMS and accepts exactly BULK_MAX_ITEMS', async () => {
    const f = await fixture(await createBusiness(small.app));
    const six = await f.tenant.post('/bulk/invoices', { invoices: Array.from({ length: 6 }, () => invoiceEntry(f)) });
    const body = expectBulkError(six, 422, undefined, 'invoices');
    expect(body.message).toContain('5');
    expectBulkError(await f.tenant.post('/bulk/bills', { bills: Array.from({ length: 6 }, (_, i) => billEntry(f, `B-${i}`)) }), 422, undefined, 'bills');
    expect(await countDocuments(f.tenant, 'invoices')).toBe(0);
    expectBulkOk(await f.tenant.post('/bulk/invoices', { invoices: Array.from({ length: 5 }, () => invoiceEntry(f)) }), 'invoices', 5, 5);
    expect(await countDocuments(f.tenant, 'invoices')).toBe(5);
  });
});
