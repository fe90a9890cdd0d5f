import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/app.ts';
import { expect422 } from '../helpers/assertions.ts';
import { createBusiness, createCustomer, createItem, type Tenant } from '../helpers/factories.ts';
import { csvOf, importApp, importCsv } from '../imports/support.ts';

// Historical invoices (a migration from another system) and the place of supply a GST
// invoice takes from its customer, on every surface that creates invoices.

let env: Awaited<ReturnType<typeof importApp>>;
beforeAll(async () => {
  env = await importApp();
});
afterAll(async () => {
  await env.app.close();
});

/** A GST business in IN-MH with ct_ka (Karnataka, 15 days' terms), ct_nostate, and item it_w. */
async function tenant(): Promise<Tenant> {
  const t = await createBusiness(env.app);
  await createCustomer(t, { id: 'ct_ka', name: 'Karnataka Co', state: 'IN-KA', payment_terms_days: 15 });
  await createCustomer(t, { id: 'ct_nostate', name: 'Stateless', state: null });
  await createItem(t, { id: 'it_w', unit_price: 100_000, tax_rate: 18 });
  return t;
}

const HEADER = 'invoice_ref,customer_id,date,due_date,item_id,quantity';
const line = { item_id: 'it_w', quantity: 1 };

describe('historical CSV imports: the date column', () => {
  it('imports last quarter’s invoices with their own dates; due_date defaults to date + terms', async () => {
    const t = await tenant();
    const csv = csvOf([[HEADER], ['OLD-1', 'ct_ka', '2024-01-15', '2024-02-14', 'it_w', '1'], ['OLD-2', 'ct_ka', '2024-03-01', '', 'it_w', '2'], ['NEW', 'ct_ka', '', '', 'it_w', '1']]);
    const response = await importCsv(t, csv, { finalize: true });
    expect(response.statusCode, response.body).toBe(201);
    const [old1, old2, fresh] = (response.json() as { items: Json[] }).items;
    expect(old1).toMatchObject({ reference: 'OLD-1', date: '2024-01-15', due_date: '2024-02-14', status: 'open' });
    expect(old2).toMatchObject({ reference: 'OLD-2', date: '2024-03-01', due_date: '2024-03-16' });
    expect(fresh.date).toBe(new Date().toISOString().slice(0, 10));
  });

  it('422 at the row and due_date column when due_date is before the row’s date; a bad date names date', async () => {
    const t = await tenant();
    expect422(await importCsv(t, csvOf([[HEADER], ['A', 'ct_ka', '2024-01-15', '2024-01-14', 'it_w', '1']])), ['csv', 1, 'due_date'], 'validation.invalid');
    expect422(await importCsv(t, csvOf([[HEADER], ['A', 'ct_ka', '2024-02-30', '', 'it_w', '1']])), ['csv', 1, 'date'], 'validation.invalid');
    const inconsistent = csvOf([[HEADER], ['A', 'ct_ka', '2024-01-15', '', 'it_w', '1'], ['A', '', '2024-01-16', '', 'it_w', '1']]);
    expect422(await importCsv(t, inconsistent), ['csv', 2, 'date'], 'csv.inconsistent');
  });
});

describe('due_date ≥ the invoice’s own date, on every surface', () => {
  it('single and bulk accept a past invoice with a past due date on or after it', async () => {
    const t = await tenant();
    const body = { customer_id: 'ct_ka', date: '2024-01-15', due_date: '2024-01-15', line_items: [line] };
    const single = await t.post('/api/v1/invoices', body);
    expect(single.statusCode, single.body).toBe(201);
    expect(single.json()).toMatchObject({ date: '2024-01-15', due_date: '2024-01-15' });
    const bulk = (await t.post('/bulk/invoices', { invoices: [body, { ...body, due_date: '2024-01-14' }] })).json() as Json;
    expect(bulk.results[0]).toMatchObject({ ok: true, invoice: { date: '2024-01-15', due_date: '2024-01-15' } });
    expect(bulk.results[1]).toMatchObject({ ok: false, error: { code: 'validation.invalid', field: 'due_date' } });
    expect(bulk.results[1].error.message).toContain('2024-01-15');
  });

  it('single: a due_date before the date is a 422 naming due_date and both dates', async () => {
    const t = await tenant();
    const response = await t.post('/api/v1/invoices', { customer_id: 'ct_ka', date: '2024-01-15', due_date: '2024-01-01', line_items: [line] });
    expect422(response, ['body', 'due_date'], 'validation.invalid');
    expect(response.body).toContain('2024-01-15');
  });

  it('batch (dated today): a due_date before today is a 422, today is fine', async () => {
    const t = await tenant();
    const today = new Date().toISOString().slice(0, 10);
    const item = (due: string) => ({ customer_id: 'ct_ka', due_date: due, line_items: [{ description: 'Retainer', quantity: 1, unit_price: 1000 }] });
    expect422(await t.post('/api/v1/invoices/batch', { items: [item('2024-01-01')] }), ['body', 'items', 0, 'due_date'], 'validation.invalid');
    const ok = await t.post('/api/v1/invoices/batch', { items: [item(today)] });
    expect(ok.statusCode, ok.body).toBe(201);
  });
});

describe('place_of_supply defaults to the customer’s state for a GST business', () => {
  const noPlace = { customer_id: 'ct_ka', line_items: [line] };

  it('single, bulk, CSV and orders: IGST for a Karnataka customer of a Maharashtra business', async () => {
    const t = await tenant();
    const single = await t.post('/api/v1/invoices', noPlace);
    expect(single.statusCode, single.body).toBe(201);
    const root = await t.post('/invoices', noPlace);
    expect(root.statusCode, root.body).toBe(201);
    const bulk = (await t.post('/bulk/invoices', { invoices: [noPlace] })).json() as Json;
    const csv = await importCsv(t, csvOf([['invoice_ref,customer_id,item_id,quantity'], ['P', 'ct_ka', 'it_w', '1']]));
    expect(csv.statusCode, csv.body).toBe(201);
    const order = await t.post('/api/v1/orders', { ...noPlace, currency: 'INR' });
    expect(order.statusCode, order.body).toBe(201);
    const invoices = [single.json(), root.json().invoice, bulk.results[0].invoice, (csv.json() as Json).items[0]];
    for (const invoice of invoices) expect(invoice).toMatchObject({ place_of_supply: 'IN-KA', tax_regime: 'inter', igst: 18_000, cgst: 0 });
    expect(order.json()).toMatchObject({ place_of_supply: 'IN-KA', total: 118_000 });
  });

  it('a given place_of_supply still wins', async () => {
    const t = await tenant();
    const response = await t.post('/api/v1/invoices', { ...noPlace, place_of_supply: 'IN-MH' });
    expect(response.json()).toMatchObject({ place_of_supply: 'IN-MH', tax_regime: 'intra', cgst: 9_000, sgst: 9_000 });
  });

  it('a customer without a state: 422 naming place_of_supply (single, bulk, CSV)', async () => {
    const t = await tenant();
    const body = { customer_id: 'ct_nostate', line_items: [line] };
    const single = await t.post('/api/v1/invoices', body);
    expect422(single, ['body', 'place_of_supply'], 'validation.required');
    expect(single.body).toContain('ct_nostate');
    const bulk = (await t.post('/bulk/invoices', { invoices: [body] })).json() as Json;
    expect(bulk.results[0]).toMatchObject({ ok: false, error: { code: 'validation.required', field: 'place_of_supply' } });
    expect422(await importCsv(t, csvOf([['invoice_ref,customer_id,item_id,quantity'], ['P', 'ct_nostate', 'it_w', '1']])), ['csv', 1, 'place_of_supply'], 'validation.required');
  });
});
