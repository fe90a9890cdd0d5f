import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/app.ts';
import { expect422, expectDetail } from '../helpers/assertions.ts';
import { createBusiness, createCustomer } from '../helpers/factories.ts';
import { limitedToken } from '../foundation/support.ts';
import { csvOf, DUE, HEADER, importApp, importCsv, importTenant, line, uploaded } from './support.ts';

let env: Awaited<ReturnType<typeof importApp>>;
beforeAll(async () => {
  env = await importApp();
});
afterAll(async () => {
  await env.app.close();
});

const items = (response: { json(): unknown }) => (response.json() as { items: Json[] }).items;

describe('POST /api/v1/invoices/bulk (sync)', () => {
  it('groups rows into invoices by invoice_ref, in file order, with the response envelope', async () => {
    const tenant = await importTenant(env);
    const csv = csvOf([[HEADER], line('INV-1'), line('INV-1', { item_id: 'it_w', line_description: '', unit_price: '' }), line('INV-2', { customer_id: 'ct_b', place_of_supply: 'IN-KA' })]);
    const response = await importCsv(tenant, csv);
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json() as Json;
    expect(body).toMatchObject({ total: 2, limit: 2, next_cursor: null, prev_cursor: null, has_next: false, has_prev: false, errors: [] });
    const [first, second] = body.items;
    expect(first).toMatchObject({ reference: 'INV-1', customer_id: 'ct_a', status: 'draft', number: null, currency: 'INR', due_date: DUE, tax_regime: 'intra' });
    expect(first.line_items.map((l: Json) => [l.name, l.unit_price, l.quantity])).toEqual([
      ['Service', 1000, 1],
      ['Widget', 100_000, 1],
    ]);
    expect(first.total).toBe(1180 + 118_000);
    expect(second).toMatchObject({ reference: 'INV-2', customer_id: 'ct_b', tax_regime: 'inter', total: 1180 });
    const listed = await tenant.get(`/api/v1/invoices/${first.id}`);
    expect(listed.json()).toMatchObject({ id: first.id, total: first.total });
  });

  it('converts decimal major units exactly by currency exponent (INR, USD, JPY)', async () => {
    const tenant = await importTenant(env);
    const csv = csvOf([
      [HEADER],
      line('IN', { unit_price: '12.34', quantity: '3', tax_rate: '0' }),
      line('US', { currency: 'USD', unit_price: '0.1', tax_rate: '0' }),
      line('US', { unit_price: '19.99', quantity: '2.5', tax_rate: '0' }),
      line('JP', { currency: 'jpy', unit_price: '100', tax_rate: '0' }),
    ]);
    const response = await importCsv(tenant, csv);
    expect(response.statusCode, response.body).toBe(201);
    const [inr, usd, jpy] = items(response);
    expect(inr.line_items[0]).toMatchObject({ unit_price: 1234, amount: 3702 });
    expect(usd).toMatchObject({ currency: 'USD', total: 10 + 4998 });
    expect(usd.line_items.map((l: Json) => l.unit_price)).toEqual([10, 1999]);
    expect(jpy).toMatchObject({ currency: 'JPY', total: 100 });
    expect(jpy.line_items[0].unit_price).toBe(100);
  });

  it('refuses more decimal places than the currency has, naming row and column', async () => {
    const tenant = await importTenant(env);
    const inr = await importCsv(tenant, csvOf([[HEADER], line('A', { unit_price: '12.345' })]));
    expect422(inr, ['csv', 1, 'unit_price'], 'validation.invalid');
    const jpy = await importCsv(tenant, csvOf([[HEADER], line('A', { currency: 'JPY', unit_price: '100.5' })]));
    expect422(jpy, ['csv', 1, 'unit_price']);
    expect(items(await tenant.get('/api/v1/invoices'))).toHaveLength(0);
  });

  it('reads a BOM, CRLF line ends, quoted commas, doubled quotes and quoted newlines', async () => {
    const tenant = await importTenant(env);
    const rows = [[HEADER], line('Q', { line_description: '"Design, phase 1"' }), line('Q', { line_description: '"The ""best"" one"' }), line('Q', { line_description: '"two\r\nlines"' })];
    const response = await importCsv(tenant, `\ufeff${csvOf(rows, '\r\n')}`);
    expect(response.statusCode, response.body).toBe(201);
    const [invoice] = items(response);
    expect(invoice.line_items.map((l: Json) => l.name)).toEqual(['Design, phase 1', 'The "best" one', 'two\r\nlines']);
  });

  it('takes columns in any order and leaves optional ones out', async () => {
    const tenant = await importTenant(env);
    const csv = 'quantity,invoice_ref,unit_price,customer_id,line_description,place_of_supply,due_date\n2,R1,5,ct_a,Hours,IN-MH,2099-01-01\n';
    const response = await importCsv(tenant, csv);
    expect(response.statusCode, response.body).toBe(201);
    expect(items(response)[0]).toMatchObject({ reference: 'R1', subtotal: 1000, tax_total: 0, due_date: '2099-01-01' });
  });

  it('stores formula-looking cells exactly as given', async () => {
    const tenant = await importTenant(env);
    const cells = ['=HYPERLINK("http://x")', '+1+2', '-3', '@SUM(A1)', '\tTabbed'];
    const rows = [[HEADER], ...cells.map((text) => line('F', { line_description: `"${text.replace(/"/g, '""')}"` }))];
    const response = await importCsv(tenant, csvOf(rows));
    expect(response.statusCode, response.body).toBe(201);
    const stored = await tenant.get(`/api/v1/invoices/${items(response)[0].id}`);
    expect((stored.json() as Json).line_items.map((l: Json) => l.name)).toEqual(cells);
  });

  it('finalize numbers and posts every created invoice, gapless in file order', async () => {
    const tenant = await importTenant(env);
    const response = await importCsv(tenant, csvOf([[HEADER], line('A'), line('B'), line('C')]), { finalize: true });
    expect(response.statusCode, response.body).toBe(201);
    const created = items(response);
    expect(created.map((i) => i.status)).toEqual(['open', 'open', 'open']);
    const numbers = created.map((i) => Number(/(\d+)$/.exec(i.number)?.[1]));
    expect(numbers).toEqual([numbers[0], (numbers[0] as number) + 1, (numbers[0] as number) + 2]);
    expect(created[0].journal_entries).toHaveLength(1);
  });

  it('is all-or-nothing by default: one bad row creates nothing', async () => {
    const tenant = await importTenant(env);
    const response = await importCsv(tenant, csvOf([[HEADER], line('A'), line('B', { quantity: '0' })]));
    expect422(response, ['csv', 2, 'quantity']);
    expect(items(await tenant.get('/api/v1/invoices'))).toHaveLength(0);
  });

  it('skip_invalid creates the valid invoices, skips an invoice with any bad row whole, and reports the rest', async () => {
    const tenant = await importTenant(env);
    const csv = csvOf([[HEADER], line('A'), line('B'), line('B', { item_id: 'it_nope' }), line('C')]);
    const response = await importCsv(tenant, csv, { skip_invalid: true });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json() as Json;
    expect(body.items.map((i: Json) => i.reference)).toEqual(['A', 'C']);
    expect(body.errors).toEqual([{ loc: ['csv', 3, 'item_id'], msg: "Item 'it_nope' not found in this business.", type: 'not_found.resource' }]);
    expect(items(await tenant.get('/api/v1/invoices'))).toHaveLength(2);
  });

  it.each([
    ['missing invoice_ref', line(''), ['csv', 1, 'invoice_ref'], 'validation.required'],
    ['missing customer_id', line('A', { customer_id: '' }), ['csv', 1, 'customer_id'], 'validation.required'],
    ['unknown customer', line('A', { customer_id: 'ct_nope' }), ['csv', 1, 'customer_id'], 'not_found.resource'],
    ['unknown item', line('A', { item_id: 'it_nope' }), ['csv', 1, 'item_id'], 'not_found.resource'],
    ['missing quantity', line('A', { quantity: '' }), ['csv', 1, 'quantity'], 'validation.invalid'],
    ['non-numeric quantity', line('A', { quantity: 'two' }), ['csv', 1, 'quantity'], 'validation.invalid'],
    ['negative quantity', line('A', { quantity: '-1' }), ['csv', 1, 'quantity'], 'validation.invalid'],
    ['five decimal quantity', line('A', { quantity: '1.00001' }), ['csv', 1, 'quantity'], 'validation.invalid'],
    ['negative unit price', line('A', { unit_price: '-5' }), ['csv', 1, 'unit_price'], 'validation.invalid'],
    ['price without item', line('A', { unit_price: '' }), ['csv', 1, 'unit_price'], 'validation.required'],
    ['bad tax rate', line('A', { tax_rate: '150' }), ['csv', 1, 'tax_rate'], 'validation.invalid'],
    ['bad due date', line('A', { due_date: '2099-02-30' }), ['csv', 1, 'due_date'], 'validation.invalid'],
    ['past due date', line('A', { due_date: '2000-01-01' }), ['csv', 1, 'due_date'], 'validation.invalid'],
    ['unknown currency', line('A', { currency: 'XYZ' }), ['csv', 1, 'currency'], 'validation.invalid'],
    ['no place of supply for a customer without a state', line('A', { customer_id: 'ct_nostate', place_of_supply: '' }), ['csv', 1, 'place_of_supply'], 'validation.required'],
    ['unknown place of supply', line('A', { place_of_supply: 'IN-ZZ' }), ['csv', 1, 'place_of_supply'], 'validation.invalid'],
    ['missing line name', line('A', { line_description: '' }), ['csv', 1, 'line_description'], 'validation.required'],
  ])('422 for %s at its row and column', async (_name, row, loc, type) => {
    const tenant = await importTenant(env);
    expect422(await importCsv(tenant, csvOf([[HEADER], row])), loc as (string | number)[], type);
  });

  it('422 for invoice columns that differ inside one invoice, and for an invoice whose rows are not consecutive', async () => {
    const tenant = await importTenant(env);
    const inconsistent = await importCsv(tenant, csvOf([[HEADER], line('A'), line('A', { customer_id: 'ct_b' })]));
    expect422(inconsistent, ['csv', 2, 'customer_id'], 'csv.inconsistent');
    const scattered = await importCsv(tenant, csvOf([[HEADER], line('A'), line('B'), line('A')]));
    expect422(scattered, ['csv', 3, 'invoice_ref'], 'csv.not_consecutive');
  });

  it('422 naming unknown, duplicate and missing header columns (row 0)', async () => {
    const tenant = await importTenant(env);
    const unknown = await importCsv(tenant, `${HEADER},colour\n${line('A').join(',')},red\n`);
    expect422(unknown, ['csv', 0, 'colour'], 'csv.unknown_column');
    const duplicate = await importCsv(tenant, 'invoice_ref,customer_id,quantity,quantity\nA,ct_a,1,1\n');
    expect422(duplicate, ['csv', 0, 'quantity'], 'csv.duplicate_column');
    const missing = await importCsv(tenant, 'invoice_ref,quantity\nA,1\n');
    expect422(missing, ['csv', 0, 'customer_id'], 'missing');
  });

  it('reports the first 100 errors, then a count', async () => {
    const tenant = await importTenant(env);
    const rows = [[HEADER], ...Array.from({ length: 101 }, (_, i) => line(`R${i}`, { quantity: 'x' }))];
    const response = await importCsv(tenant, csvOf(rows));
    expect(response.statusCode).toBe(422);
    const detail = (response.json() as Json).detail as Json[];
    expect(detail).toHaveLength(101);
    expect(detail[99].loc).toEqual(['csv', 100, 'quantity']);
    expect(detail[100]).toMatchObject({ loc: ['csv'], type: 'csv.too_many_errors' });
    expect(detail[100].msg).toContain('101 in all');
  });

  it.each([
    ['an empty file', '', ['csv'], 'csv.empty'],
    ['a header-only file', `${HEADER}\n`, ['csv'], 'csv.empty'],
    ['an unclosed quote', `${HEADER}\n${line('A').join(',')}\n"B,ct_a\n`, ['csv', 2], 'csv.quoting'],
    ['a stray quote', `${HEADER}\nA,ct_a,${DUE},,,,Wid"get,1,1,0,IN-MH\n`, ['csv', 1], 'csv.quoting'],
    ['a short row', `${HEADER}\nA,ct_a\n`, ['csv', 1], 'csv.field_count'],
  ])('422 for %s, naming the row', async (_name, csv, loc, type) => {
    const tenant = await importTenant(env);
    expect422(await importCsv(tenant, csv), loc as (string | number)[], type);
  });

  it('422 for non-UTF-8 text and for binary files', async () => {
    const tenant = await importTenant(env);
    const latin1 = Buffer.concat([Buffer.from(`${HEADER}\nA,ct_a,${DUE},,,,Caf`), Buffer.from([0xe9]), Buffer.from(',1,1,0,IN-MH\n')]);
    const encoding = await importCsv(tenant, latin1);
    expect422(encoding, ['csv'], 'csv.encoding');
    expect((encoding.json() as Json).detail[0].msg).toContain('line 2');
    const binary = await importCsv(tenant, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]));
    expect(binary.statusCode).toBe(422);
    expect(items(await tenant.get('/api/v1/invoices'))).toHaveLength(0);
  });

  it('another business key is 404; traversal, absolute and NUL keys are 422; unknown keys 404', async () => {
    const owner = await importTenant(env);
    const other = await importTenant(env);
    const key = await uploaded(owner, csvOf([[HEADER], line('A')]));
    expectDetail(await other.post('/api/v1/invoices/bulk', { s3_key: key }), 404);
    expectDetail(await owner.post('/api/v1/invoices/bulk', { s3_key: `${owner.id}/nothing-here.csv` }), 404);
    const escape = key.replace(owner.id, `${other.id}/..`);
    expect422(await other.post('/api/v1/invoices/bulk', { s3_key: escape }), ['body', 's3_key']);
    expect422(await owner.post('/api/v1/invoices/bulk', { s3_key: `${owner.id}/../${other.id}/x.csv` }), ['body', 's3_key']);
    expect422(await owner.post('/api/v1/invoices/bulk', { s3_key: `/etc/passwd` }), ['body', 's3_key']);
    expect422(await owner.post('/api/v1/invoices/bulk', { s3_key: `${owner.id}/a\u0000b` }), ['body', 's3_key']);
    expect(items(await other.get('/api/v1/invoices'))).toHaveLength(0);
  });

  it('checks the body, the token and the scope', async () => {
    const tenant = await importTenant(env);
    expect422(await tenant.post('/api/v1/invoices/bulk', { s3_key: 'x', colour: 'red' }), ['body', 'colour']);
    expect422(await tenant.post('/api/v1/invoices/bulk', {}), ['body', 's3_key']);
    expectDetail(await env.app.inject({ method: 'POST', url: '/api/v1/invoices/bulk', payload: { s3_key: 'x' } }), 401);
    const { token } = await limitedToken(env, tenant, ['invoices.READ', 'files.CREATE']);
    const limited = { authorization: `Bearer ${token}`, 'x-business-id': tenant.id };
    expect(expectDetail(await env.app.inject({ method: 'POST', url: '/api/v1/invoices/bulk', headers: limited, payload: { s3_key: 'x' } }), 403)).toMatch(/invoices\.CREATE/);
  });

  it('replays the stored response for the same Idempotency-Key and creates nothing twice', async () => {
    const tenant = await importTenant(env);
    const key = await uploaded(tenant, csvOf([[HEADER], line('A'), line('B')]));
    const first = await tenant.post('/api/v1/invoices/bulk', { s3_key: key }, { 'idempotency-key': 'imp-1' });
    const again = await tenant.post('/api/v1/invoices/bulk', { s3_key: key }, { 'idempotency-key': 'imp-1' });
    expect(first.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(items(await tenant.get('/api/v1/invoices'))).toHaveLength(2);
  });

  it('uses the customer currency when the column is empty, in a non-GST business', async () => {
    const tenant = await createBusiness(env.app, { country: 'US', state: 'US-CA', currency: 'USD' });
    await createCustomer(tenant, { id: 'ct_eu', name: 'Euro', currency: 'EUR', state: null });
    const response = await importCsv(tenant, csvOf([[HEADER], line('E', { customer_id: 'ct_eu', unit_price: '9.99', tax_rate: '20', place_of_supply: '' })]));
    expect(response.statusCode, response.body).toBe(201);
    expect(items(response)[0]).toMatchObject({ currency: 'EUR', subtotal: 999, tax_total: 200, total: 1199 });
  });
});
