import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem } from '../helpers/factories.ts';
import {
  createInvoice,
  expect422,
  expectDetail,
  finalize,
  INVOICE_RESPONSE_FIELDS,
  invoiceBody,
  ok,
  type Shop,
  shop,
} from './support.ts';

let env: TestEnv;
let s: Shop;

beforeAll(async () => {
  env = await testApp();
  s = await shop(env);
});
afterAll(() => env.app.close());

describe('POST /api/v1/invoices — auto-fill and defaults', () => {
  it('fills name, description, unit_price, tax_rate and hsn_code from the item', async () => {
    const invoice = await createInvoice(s.tenant, invoiceBody({ line_items: [{ item_id: 'it_widget', quantity: 2 }] }));
    expect(invoice.status).toBe('draft');
    expect(invoice.number).toBeNull();
    const [line] = invoice.line_items;
    expect(line).toMatchObject({
      item_id: 'it_widget',
      name: 'Widget',
      description: 'A blue widget',
      unit_price: 100_000,
      tax_rate: 18,
      hsn_code: '8471',
      quantity: 2,
      amount: 200_000,
      discount: 0,
      taxable_amount: 200_000,
      cgst: 18_000,
      sgst: 18_000,
      igst: 0,
      tax: 0,
      tax_total: 36_000,
      total: 236_000,
    });
    expect(invoice).toMatchObject({ subtotal: 200_000, cgst: 18_000, sgst: 18_000, igst: 0, tax: 0, tax_total: 36_000, total: 236_000 });
    expect(invoice.customer_name).toBe('Acme Ltd');
    expect(invoice.customer_email).toBe('billing@acme.test');
  });

  it('lets explicit line fields win over the item', async () => {
    const invoice = await createInvoice(
      s.tenant,
      invoiceBody({
        line_items: [{ item_id: 'it_widget', quantity: 1, name: 'Custom widget', description: 'Engraved', unit_price: 50_000, tax_rate: 5, hsn_code: '9403' }],
      }),
    );
    expect(invoice.line_items[0]).toMatchObject({
      item_id: 'it_widget',
      name: 'Custom widget',
      description: 'Engraved',
      unit_price: 50_000,
      tax_rate: 5,
      hsn_code: '9403',
      cgst: 1_250,
      sgst: 1_250,
      total: 52_500,
    });
  });

  it('lets an explicit null description / hsn_code on a line win over the item (the schema accepts null)', async () => {
    const invoice = await createInvoice(s.tenant, invoiceBody({ line_items: [{ item_id: 'it_widget', quantity: 1, description: null, hsn_code: null }] }));
    expect(invoice.line_items[0]).toMatchObject({ name: 'Widget', unit_price: 100_000, description: null, hsn_code: null });
  });

  it('accepts a line without item_id when it gives name and unit_price', async () => {
    const invoice = await createInvoice(s.tenant, invoiceBody({ line_items: [{ name: 'Consulting', quantity: '1.5', unit_price: 2_000, tax_rate: '12.5' }] }));
    expect(invoice.line_items[0]).toMatchObject({ item_id: null, name: 'Consulting', hsn_code: null, quantity: 1.5, amount: 3_000, tax_rate: 12.5 });
    // 3000 × 6.25% = 187.5 → 188 for each half
    expect(invoice.line_items[0]).toMatchObject({ cgst: 188, sgst: 188, total: 3_376 });
  });

  it('defaults due_date to date + the customer payment terms', async () => {
    await createCustomer(s.tenant, { id: 'ct_terms15', name: 'Fifteen days', payment_terms_days: 15 });
    const fifteen = await createInvoice(s.tenant, invoiceBody({ customer_id: 'ct_terms15', date: '2026-05-12' }));
    expect(fifteen.due_date).toBe('2026-05-27');
    const thirty = await createInvoice(s.tenant, invoiceBody({ date: '2026-12-15' }));
    expect(thirty.due_date).toBe('2027-01-14');
    const explicit = await createInvoice(s.tenant, invoiceBody({ date: '2026-05-12', due_date: '2026-05-12' }));
    expect(explicit.due_date).toBe('2026-05-12');
  });

  it('stores a date given as an ISO date-time as its calendar date', async () => {
    const invoice = await createInvoice(s.tenant, invoiceBody({ date: '2026-05-12T00:00:00', due_date: '2026-06-01T23:59:59' }));
    expect(invoice.date).toBe('2026-05-12');
    expect(invoice.due_date).toBe('2026-06-01');
    const again = ok(await s.tenant.get(`/api/v1/invoices/${invoice.id}`));
    expect(again.date).toBe('2026-05-12');
  });

  it('takes the currency from the invoice, else the customer, else the business', async () => {
    await createCustomer(s.tenant, { id: 'ct_usd', name: 'Dollar buyer', currency: 'USD' });
    const fromBusiness = await createInvoice(s.tenant, invoiceBody());
    expect(fromBusiness.currency).toBe('INR');
    const fromCustomer = await createInvoice(s.tenant, invoiceBody({ customer_id: 'ct_usd', line_items: [{ name: 'Service', quantity: 1, unit_price: 1_000 }] }));
    expect(fromCustomer.currency).toBe('USD');
    const explicit = await createInvoice(s.tenant, invoiceBody({ customer_id: 'ct_usd', currency: 'EUR', line_items: [{ name: 'Service', quantity: 1, unit_price: 1_000 }] }));
    expect(explicit.currency).toBe('EUR');
  });

  it('returns every InvoiceResponse field of SPEC §4', async () => {
    const invoice = await createInvoice(s.tenant, invoiceBody({ description: 'May order', reference: 'PO-7' }));
    for (const field of INVOICE_RESPONSE_FIELDS) expect(invoice, `missing ${field}`).toHaveProperty(field);
    expect(invoice).toMatchObject({
      business_id: s.tenant.id,
      status: 'draft',
      currency: 'INR',
      stripe_invoice_id: null,
      total_paid: 0,
      balance_due: invoice.total,
      description: 'May order',
      customer_id: 'ct_acme',
      number: null,
      delivered: false,
      delivered_on: null,
      paid_on: null,
      journal_entries: [],
      payments: [],
      recurring_template_id: null,
      place_of_supply: 'IN-MH',
      order_id: null,
      import_id: null,
    });
    expect(Date.parse(invoice.created_at)).not.toBeNaN();
    expect(Date.parse(invoice.updated_at)).not.toBeNaN();
    for (const field of ['id', 'item_id', 'name', 'quantity', 'unit_price', 'tax_rate', 'amount', 'cgst', 'sgst', 'igst', 'tax', 'tax_total', 'total']) {
      expect(invoice.line_items[0], `line missing ${field}`).toHaveProperty(field);
    }
    // The same resource when read back.
    expect(ok(await s.tenant.get(`/api/v1/invoices/${invoice.id}`))).toEqual(invoice);
  });

  it('leaves entity_id null on invoices not made from orders (docs/invoicing.md: the orders dialect owns that sequence)', async () => {
    const fresh = await shop(env);
    const invoice = await createInvoice(fresh.tenant, invoiceBody());
    expect(invoice).toHaveProperty('entity_id', null);
    const bulk = ok(await fresh.tenant.post('/bulk/invoices', { invoices: [invoiceBody(), invoiceBody({ auto_approve: true })] }));
    expect(bulk.results.map((r: Json) => r.invoice.entity_id)).toEqual([null, null]);
  });
});

describe('POST /api/v1/invoices — tax', () => {
  it('splits GST into CGST + SGST intra-state: 3 × 33333 at 18% → 9000 + 9000, total 117999', async () => {
    const invoice = await createInvoice(s.tenant, invoiceBody({ line_items: [{ name: 'Thing', quantity: 3, unit_price: 33_333, tax_rate: 18 }] }));
    expect(invoice.place_of_supply).toBe('IN-MH');
    expect(invoice).toMatchObject({ subtotal: 99_999, cgst: 9_000, sgst: 9_000, igst: 0, tax: 0, tax_total: 18_000, total: 117_999 });
  });

  it('rounds each half half-up on its own: 50 at 18% intra → 5 + 5, inter → 9', async () => {
    const intra = await createInvoice(s.tenant, invoiceBody({ line_items: [{ name: 'Tiny', quantity: 1, unit_price: 50, tax_rate: 18 }] }));
    expect(intra).toMatchObject({ cgst: 5, sgst: 5, igst: 0, tax_total: 10, total: 60 });
    const inter = await createInvoice(s.tenant, invoiceBody({ place_of_supply: 'IN-KA', line_items: [{ name: 'Tiny', quantity: 1, unit_price: 50, tax_rate: 18 }] }));
    expect(inter).toMatchObject({ cgst: 0, sgst: 0, igst: 9, tax_total: 9, total: 59 });
  });

  it('charges IGST inter-state', async () => {
    const invoice = await createInvoice(s.tenant, invoiceBody({ place_of_supply: 'IN-KA', line_items: [{ name: 'Thing', quantity: 3, unit_price: 33_333, tax_rate: 18 }] }));
    expect(invoice.place_of_supply).toBe('IN-KA');
    expect(invoice).toMatchObject({ subtotal: 99_999, cgst: 0, sgst: 0, igst: 18_000, tax_total: 18_000, total: 117_999 });
    expect(invoice.line_items[0]).toMatchObject({ cgst: 0, sgst: 0, igst: 18_000 });
  });

  it('rounds tax per line, and totals are sums of lines', async () => {
    const line = { name: 'Bit', quantity: 1, unit_price: 25, tax_rate: 18 };
    const invoice = await createInvoice(s.tenant, invoiceBody({ line_items: [line, line, line] }));
    // 25 × 9% = 2.25 → 2 per half per line; a single rounding of 75 would give 7 per half.
    expect(invoice.line_items.map((l: Json) => l.cgst)).toEqual([2, 2, 2]);
    expect(invoice).toMatchObject({ subtotal: 75, cgst: 6, sgst: 6, tax_total: 12, total: 87 });
  });

  it('applies discount_percent and discount_amount before tax', async () => {
    const invoice = await createInvoice(
      s.tenant,
      invoiceBody({
        line_items: [
          { name: 'Pct', quantity: 3, unit_price: 1_000, tax_rate: 18, discount_percent: 10 },
          { name: 'Amt', quantity: 3, unit_price: 1_000, tax_rate: 18, discount_amount: 500 },
          { name: 'Odd', quantity: 1, unit_price: 999, tax_rate: 0, discount_percent: '12.5' },
        ],
      }),
    );
    const [pct, amt, odd] = invoice.line_items;
    expect(pct).toMatchObject({ amount: 3_000, discount: 300, taxable_amount: 2_700, cgst: 243, sgst: 243, total: 3_186, discount_percent: 10, discount_amount: null });
    expect(amt).toMatchObject({ amount: 3_000, discount: 500, taxable_amount: 2_500, cgst: 225, sgst: 225, total: 2_950, discount_amount: 500 });
    // 999 × 12.5% = 124.875 → 125
    expect(odd).toMatchObject({ amount: 999, discount: 125, taxable_amount: 874, tax_total: 0, total: 874 });
    expect(invoice).toMatchObject({ subtotal: 2_700 + 2_500 + 874, tax_total: 486 + 450, total: 3_186 + 2_950 + 874 });
  });

  it('rounds the line amount half-up for fractional quantities', async () => {
    // 1.0005 × 1001 = 1001.5005 → 1002; 0.0001 × 5000 = 0.5 → 1
    const invoice = await createInvoice(
      s.tenant,
      invoiceBody({ line_items: [{ name: 'A', quantity: '1.0005', unit_price: 1_001, tax_rate: 0 }, { name: 'B', quantity: 0.0001, unit_price: 5_000, tax_rate: 0 }] }),
    );
    expect(invoice.line_items.map((l: Json) => l.amount)).toEqual([1_002, 1]);
    expect(invoice.total).toBe(1_003);
  });

  it('treats renamed state codes as the same state (IN-TS = IN-TG)', async () => {
    const telangana = await shop(env, { state: 'IN-TG' });
    const invoice = await createInvoice(telangana.tenant, invoiceBody({ place_of_supply: 'IN-TS' }));
    expect(invoice).toMatchObject({ cgst: 9_000, sgst: 9_000, igst: 0 });
  });

  it('gives a non-GST business (US, USD) one `tax` component and needs no place_of_supply', async () => {
    const us = await createBusiness(env.app, { country: 'US', currency: 'USD', state: null });
    await createCustomer(us, { id: 'ct_us', name: 'US Buyer', state: null });
    await createItem(us, { id: 'it_us', name: 'Gadget', unit_price: 1_999, tax_rate: '8.25', hsn_code: null });
    const invoice = await createInvoice(us, { customer_id: 'ct_us', date: '2026-05-12', line_items: [{ item_id: 'it_us', quantity: 3 }] });
    expect(invoice.currency).toBe('USD');
    expect(invoice.place_of_supply).toBeNull();
    // 5997 × 8.25% = 494.7525 → 495
    expect(invoice).toMatchObject({ subtotal: 5_997, cgst: 0, sgst: 0, igst: 0, tax: 495, tax_total: 495, total: 6_492 });
    expect(invoice.line_items[0]).toMatchObject({ tax: 495, cgst: 0, sgst: 0, igst: 0 });
    const opened = ok(await finalize(us, invoice.id));
    const lines = opened.journal_entries[0].lines.map((l: Json) => [l.account_code, l.debit, l.credit]);
    expect(lines).toEqual([
      ['1100', 6_492, 0],
      ['4000', 0, 5_997],
      ['2210', 0, 495],
    ]);
  });

  it('prices a JPY (0-decimal) business in whole yen with half-up tax', async () => {
    const jp = await createBusiness(env.app, { country: 'JP', currency: 'JPY', state: null });
    await createCustomer(jp, { id: 'ct_jp', name: 'Tanaka', state: null });
    await createItem(jp, { id: 'it_jp', name: 'Tea', unit_price: 1_005, tax_rate: 10, hsn_code: null });
    const invoice = await createInvoice(jp, { customer_id: 'ct_jp', date: '2026-05-12', line_items: [{ item_id: 'it_jp', quantity: 1 }, { item_id: 'it_jp', quantity: 3 }] });
    expect(invoice.currency).toBe('JPY');
    // 1005 × 10% = 100.5 → 101; 3015 × 10% = 301.5 → 302
    expect(invoice.line_items.map((l: Json) => [l.amount, l.tax, l.total])).toEqual([
      [1_005, 101, 1_106],
      [3_015, 302, 3_317],
    ]);
    expect(invoice).toMatchObject({ subtotal: 4_020, tax: 403, total: 4_423 });
  });
});

describe('POST /api/v1/invoices — errors', () => {
  it('answers an unknown customer with 404 {"detail": …}', async () => {
    const detail = expectDetail(await s.tenant.post('/api/v1/invoices', invoiceBody({ customer_id: 'ct_nobody' })), 404);
    expect(detail).toContain('ct_nobody');
  });

  it("answers another business's customer or item with 404", async () => {
    const other = await shop(env);
    await createCustomer(other.tenant, { id: 'ct_only_other', name: 'Theirs' });
    await createItem(other.tenant, { id: 'it_only_other', name: 'Their item' });
    expectDetail(await s.tenant.post('/api/v1/invoices', invoiceBody({ customer_id: 'ct_only_other' })), 404);
    const item = await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: [{ item_id: 'it_only_other', quantity: 1 }] }));
    expect(expectDetail(item, 404)).toContain('it_only_other');
  });

  it('requires place_of_supply on a GST business when the customer has no state', async () => {
    await createCustomer(s.tenant, { id: 'ct_stateless', name: 'Stateless', state: null });
    const { place_of_supply: _, ...body } = invoiceBody({ customer_id: 'ct_stateless' });
    expect422(await s.tenant.post('/api/v1/invoices', body), ['body', 'place_of_supply']);
  });

  it('refuses an unknown place_of_supply', async () => {
    expect422(await s.tenant.post('/api/v1/invoices', invoiceBody({ place_of_supply: 'IN-ZZ' })), ['body', 'place_of_supply']);
  });

  it.each([
    ['zero', 0],
    ['negative', -1],
    ['five decimals', 1.00001],
    ['five decimals as text', '1.00001'],
    ['zero as text', '0'],
    ['not a number', 'many'],
  ])('refuses quantity %s naming line_items.0.quantity', async (_label, quantity) => {
    const response = await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: [{ item_id: 'it_widget', quantity }] }));
    expect422(response, ['body', 'line_items', 0, 'quantity']);
  });

  it('names the failing line by index', async () => {
    const response = await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: [{ item_id: 'it_widget', quantity: 1 }, { item_id: 'it_widget', quantity: -2 }] }));
    expect422(response, ['body', 'line_items', 1, 'quantity']);
  });

  it('refuses an unknown currency', async () => {
    expect422(await s.tenant.post('/api/v1/invoices', invoiceBody({ currency: 'XYZ' })), ['body', 'currency']);
    expect422(await s.tenant.post('/api/v1/invoices', invoiceBody({ currency: 'usd' })), ['body', 'currency']);
  });

  it('refuses a due_date before the date', async () => {
    expect422(await s.tenant.post('/api/v1/invoices', invoiceBody({ date: '2026-05-12', due_date: '2026-05-11' })), ['body', 'due_date']);
  });

  it('refuses an impossible date', async () => {
    expect422(await s.tenant.post('/api/v1/invoices', invoiceBody({ date: '2026-02-30' })), ['body', 'date']);
  });

  it('refuses a line without item_id and without unit_price', async () => {
    expect422(await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: [{ name: 'Loose', quantity: 1 }] })), ['body', 'line_items', 0, 'unit_price']);
  });

  it('refuses unknown fields, on the invoice and on a line', async () => {
    expect422(await s.tenant.post('/api/v1/invoices', invoiceBody({ colour: 'red' })), ['body', 'colour'], 'extra_forbidden');
    const line = await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: [{ item_id: 'it_widget', quantity: 1, colour: 'red' }] }));
    expect422(line, ['body', 'line_items', 0, 'colour'], 'extra_forbidden');
  });

  it('refuses missing customer_id and empty line_items', async () => {
    const { customer_id: _, ...noCustomer } = invoiceBody();
    expect422(await s.tenant.post('/api/v1/invoices', noCustomer), ['body', 'customer_id'], 'missing');
    expect422(await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: [] })), ['body', 'line_items']);
  });

  it('refuses an item priced in another currency unless the line gives a unit_price', async () => {
    await createItem(s.tenant, { id: 'it_usd', name: 'Imported', unit_price: 1_000, currency: 'USD' });
    const response = await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: [{ item_id: 'it_usd', quantity: 1 }] }));
    expect422(response, ['body', 'line_items', 0, 'item_id']);
    const priced = await createInvoice(s.tenant, invoiceBody({ line_items: [{ item_id: 'it_usd', quantity: 1, unit_price: 85_000 }] }));
    expect(priced.line_items[0]).toMatchObject({ item_id: 'it_usd', name: 'Imported', unit_price: 85_000 });
  });

  it('refuses a discount larger than the line, and both discount kinds at once', async () => {
    const tooBig = await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: [{ name: 'X', quantity: 1, unit_price: 100, discount_amount: 101 }] }));
    expect422(tooBig, ['body', 'line_items', 0, 'discount_amount']);
    const both = await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: [{ name: 'X', quantity: 1, unit_price: 100, discount_amount: 1, discount_percent: 1 }] }));
    expect422(both, ['body', 'line_items', 0, 'discount_amount']);
  });

  it('refuses more line items than the limit (500)', async () => {
    const lines = Array.from({ length: 501 }, () => ({ item_id: 'it_widget', quantity: 1 }));
    const response = await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: lines }));
    expect422(response, ['body', 'line_items']);
  });

  it('refuses amounts beyond the safe range with 422 naming the line, never 500', async () => {
    const response = await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: [{ name: 'Huge', quantity: 999_999_999_999, unit_price: 1e15 }] }));
    expect(response.statusCode, response.body).toBe(422);
    const loc = response.json().detail[0].loc as unknown[];
    expect(loc.slice(0, 3)).toEqual(['body', 'line_items', 0]);
    const sum = await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: Array.from({ length: 10 }, () => ({ name: 'Big', quantity: 1, unit_price: 1e15 })) }));
    expect(sum.statusCode, sum.body).toBe(422);
    expect(sum.json().detail[0].loc.slice(0, 2)).toEqual(['body', 'line_items']);
  });

  it('writes nothing when a request fails', async () => {
    const fresh = await shop(env);
    await fresh.tenant.post('/api/v1/invoices', invoiceBody({ line_items: [{ item_id: 'it_widget', quantity: 1 }, { item_id: 'it_widget', quantity: 0 }] }));
    await fresh.tenant.post('/api/v1/invoices', invoiceBody({ customer_id: 'ct_nobody' }));
    const list = ok(await fresh.tenant.get('/api/v1/invoices?include_total=true'));
    expect(list.total).toBe(0);
  });
});

describe('GET /api/v1/invoices/{id}', () => {
  it('returns the invoice', async () => {
    const invoice = await createInvoice(s.tenant, invoiceBody());
    const got = ok(await s.tenant.get(`/api/v1/invoices/${invoice.id}`));
    expect(got.id).toBe(invoice.id);
    expect(got.total).toBe(invoice.total);
  });

  it("answers another business's invoice and an unknown id with 404", async () => {
    const invoice = await createInvoice(s.tenant, invoiceBody());
    const other = await createBusiness(env.app);
    expectDetail(await other.get(`/api/v1/invoices/${invoice.id}`), 404);
    expectDetail(await s.tenant.get('/api/v1/invoices/does-not-exist'), 404);
  });

  it('does not serve a bill as an invoice', async () => {
    const vendor = ok(await s.tenant.post('/api/v1/vendors', { name: 'Vend', state: 'IN-MH' }), 201);
    const bill = ok(await s.tenant.post('/api/v1/bills', { vendor_id: vendor.id, bill_number: 'B-1', date: '2026-05-12', line_items: [{ name: 'Paper', quantity: 1, unit_price: 100 }] }), 201);
    expectDetail(await s.tenant.get(`/api/v1/invoices/${bill.id}`), 404);
  });
});

describe('GET /api/v1/invoices (list)', () => {
  let l: Shop;
  const made: Json[] = [];

  beforeAll(async () => {
    l = await shop(env);
    await createCustomer(l.tenant, { id: 'ct_other', name: 'Other buyer' });
    for (let i = 0; i < 5; i++) made.push(await createInvoice(l.tenant, invoiceBody({ customer_id: i % 2 === 0 ? 'ct_acme' : 'ct_other' })));
    ok(await finalize(l.tenant, made[0].id));
    ok(await finalize(l.tenant, made[1].id));
  });

  const ids = (page: Json) => page.items.map((i: Json) => i.id);
  const newestFirst = (rows: Json[]) => [...rows].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1)).map((r) => r.id);

  it('lists newest first with total only when asked', async () => {
    const page = ok(await l.tenant.get('/api/v1/invoices'));
    expect(ids(page)).toEqual(newestFirst(made));
    expect(page.total).toBeNull();
    expect(page).toMatchObject({ limit: 50, has_next: false, has_prev: false, next_cursor: null, prev_cursor: null });
    expect(ok(await l.tenant.get('/api/v1/invoices?include_total=true')).total).toBe(5);
  });

  it('filters by status and customer_id', async () => {
    const open = ok(await l.tenant.get('/api/v1/invoices?status=open&include_total=true'));
    expect(new Set(ids(open))).toEqual(new Set([made[0].id, made[1].id]));
    expect(open.total).toBe(2);
    const drafts = ok(await l.tenant.get('/api/v1/invoices?status=draft'));
    expect(new Set(ids(drafts))).toEqual(new Set(made.slice(2).map((m) => m.id)));
    const other = ok(await l.tenant.get('/api/v1/invoices?customer_id=ct_other&include_total=true'));
    expect(new Set(ids(other))).toEqual(new Set([made[1].id, made[3].id]));
    expect(other.total).toBe(2);
    const both = ok(await l.tenant.get('/api/v1/invoices?customer_id=ct_other&status=open'));
    expect(ids(both)).toEqual([made[1].id]);
    expect(ok(await l.tenant.get('/api/v1/invoices?status=void')).items).toEqual([]);
  });

  it('filters by created range (inclusive)', async () => {
    const from = made[1].created_at as string;
    const to = made[3].created_at as string;
    const page = ok(await l.tenant.get(`/api/v1/invoices?created_from=${encodeURIComponent(from)}&created_to=${encodeURIComponent(to)}`));
    const expected = made.filter((m) => m.created_at >= from && m.created_at <= to);
    expect(new Set(ids(page))).toEqual(new Set(expected.map((m) => m.id)));
    expect(ids(page)).toEqual(expect.arrayContaining([made[1].id, made[2].id, made[3].id]));
    const before = ok(await l.tenant.get('/api/v1/invoices?created_to=2000-01-01T00:00:00Z'));
    expect(before.items).toEqual([]);
  });

  it('filters by an exclusive created range with created_after / created_before', async () => {
    const after = made[0].created_at as string;
    const page = ok(await l.tenant.get(`/api/v1/invoices?created_after=${encodeURIComponent(after)}&limit=500`));
    const expected = made.filter((m) => m.created_at > after);
    expect(new Set(ids(page))).toEqual(new Set(expected.map((m) => m.id)));
    const none = ok(await l.tenant.get(`/api/v1/invoices?created_before=${encodeURIComponent('2000-01-01T00:00:00Z')}`));
    expect(none.items).toEqual([]);
  });

  it('pages with opaque cursors forwards and backwards', async () => {
    const seen: string[] = [];
    let page = ok(await l.tenant.get('/api/v1/invoices?limit=2'));
    const first = page;
    seen.push(...ids(page));
    let hops = 0;
    while (page.has_next) {
      page = ok(await l.tenant.get(`/api/v1/invoices?limit=2&cursor=${page.next_cursor}`));
      seen.push(...ids(page));
      hops++;
    }
    expect(hops).toBe(2);
    expect(seen).toEqual(newestFirst(made));
    expect(page.next_cursor).toBeNull();
    const second = ok(await l.tenant.get(`/api/v1/invoices?limit=2&cursor=${first.next_cursor}`));
    expect(second.has_prev).toBe(true);
    const back = ok(await l.tenant.get(`/api/v1/invoices?limit=2&cursor=${second.prev_cursor}`));
    expect(ids(back)).toEqual(ids(first));
  });

  it('refuses a bad filter with 422 naming the query parameter', async () => {
    expect422(await l.tenant.get('/api/v1/invoices?status=payed'), ['query', 'status']);
    expect422(await l.tenant.get('/api/v1/invoices?limit=501'), ['query', 'limit']);
    expect422(await l.tenant.get('/api/v1/invoices?created_from=yesterday'), ['query', 'created_from']);
  });

  it('refuses a garbage cursor with 422 at loc ["query", "cursor"]', async () => {
    expect422(await l.tenant.get('/api/v1/invoices?cursor=garbage'), ['query', 'cursor']);
  });

  it("never lists another business's invoices", async () => {
    const other = await createBusiness(env.app);
    const page = ok(await other.get('/api/v1/invoices?include_total=true'));
    expect(page.total).toBe(0);
    const mine = ok(await l.tenant.get('/api/v1/invoices?limit=500'));
    expect(mine.items.every((i: Json) => i.business_id === l.tenant.id)).toBe(true);
  });
});
