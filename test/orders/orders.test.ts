import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/modules/businesses/create-business.ts';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createItem } from '../helpers/factories.ts';
import { createOrder, expect422, expectDetail, expectInvoices, invoiceOrders, orderBody, shop } from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('POST /api/v1/orders', () => {
  it('stores the order with lines auto-filled from items and priced like its invoice', async () => {
    const s = await shop(env);
    const order = await createOrder(s.tenant, { id: '69ab24db449866373d5e3e35', meta: { channel: 'web', gift: true } });
    expect(order).toMatchObject({
      id: '69ab24db449866373d5e3e35',
      object: 'order',
      business_id: s.tenant.id,
      customer_id: 'ct_shop',
      currency: 'INR',
      place_of_supply: 'IN-MH',
      status: 'open',
      invoice_id: null,
      total: 241_900,
      meta: { channel: 'web', gift: true },
    });
    expect(order.line_items).toEqual([
      { id: 'ln_1', item_id: 'it_tee', name: 'T-shirt', description: 'Cotton tee', hsn_code: '6109', quantity: 2, unit_price: 100_000, discount_percent: null, discount_amount: null, tax_rate: 18 },
      { id: 'ln_2', item_id: null, name: 'Gift wrap', description: 'Gift wrap', hsn_code: null, quantity: 1, unit_price: 5_000, discount_percent: null, discount_amount: null, tax_rate: 18 },
    ]);
    expect((await s.tenant.get(`/api/v1/orders/${order.id}`)).json()).toEqual(order);
  });

  it('generates UUIDv7 ids for the order and its lines when the shop gives none', async () => {
    const s = await shop(env);
    const order = await createOrder(s.tenant, { line_items: [{ item_id: 'it_tee', quantity: 1 }] });
    expect(order.id).toMatch(UUID_V7);
    expect(order.line_items[0].id).toMatch(UUID_V7);
    expect(order.meta).toEqual({});
  });

  it('keeps the price of order time: a later item price change does not change the invoice', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_price', line_items: [{ id: 'l1', item_id: 'it_tee', quantity: 1 }] });
    expect((await s.tenant.request('PATCH', '/api/v1/items/it_tee', { unit_price: 999_999 })).statusCode).toBe(200);
    const [made] = expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_price'] }), 1) as [Json];
    expect(made.total).toBe(1180);
  });

  it('a client-chosen id already used → 409', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_twice' });
    expect(expectDetail(await s.tenant.post('/api/v1/orders', orderBody({ id: 'ord_twice' })), 409)).toBe("Order 'ord_twice' already exists.");
  });

  it('the same id in another business is fine', async () => {
    const a = await shop(env);
    const b = await shop(env);
    await createOrder(a.tenant, { id: 'ord_shared' });
    await createOrder(b.tenant, { id: 'ord_shared' });
  });

  it.each([
    ['a missing customer_id', { customer_id: undefined }, ['body', 'customer_id']],
    ['a missing currency', { currency: undefined }, ['body', 'currency']],
    ['an unknown currency', { currency: 'XYZ' }, ['body', 'currency']],
    ['no lines', { line_items: [] }, ['body', 'line_items']],
    ['a line without quantity', { line_items: [{ item_id: 'it_tee' }] }, ['body', 'line_items', 0, 'quantity']],
    ['a line without a price or item', { line_items: [{ description: 'x', quantity: 1 }] }, ['body', 'line_items', 0, 'unit_price']],
    ['a bad order id', { id: 'has space' }, ['body', 'id']],
    ['a bad line id', { line_items: [{ id: 'a/b', item_id: 'it_tee', quantity: 1 }] }, ['body', 'line_items', 0, 'id']],
    ['a repeated line id', { line_items: [{ id: 'l', item_id: 'it_tee', quantity: 1 }, { id: 'l', item_id: 'it_tee', quantity: 2 }] }, ['body', 'line_items', 1, 'id']],
    ['nested meta', { meta: { a: { b: 1 } } }, ['body', 'meta', 'a']],
    ['an unknown field', { colour: 'red' }, ['body', 'colour']],
    ['too many decimals', { line_items: [{ item_id: 'it_tee', quantity: '1.00001' }] }, ['body', 'line_items', 0, 'quantity']],
  ])('%s → 422 naming the field', async (_label, extra, loc) => {
    const s = await shop(env);
    expect422(await s.tenant.post('/api/v1/orders', orderBody(extra)), loc);
  });

  it('an unknown or other business’s customer or item → 404', async () => {
    const a = await shop(env);
    const b = await shop(env);
    await createItem(b.tenant, { id: 'it_b_only' });
    expect(expectDetail(await a.tenant.post('/api/v1/orders', orderBody({ customer_id: 'ct_nope' })), 404)).toMatch(/ct_nope/);
    expect(expectDetail(await a.tenant.post('/api/v1/orders', orderBody({ line_items: [{ item_id: 'it_b_only', quantity: 1 }] })), 404)).toMatch(/it_b_only/);
  });
});

describe('GET /api/v1/orders', () => {
  it('lists newest first, filtered by customer_id, invoiced and status', async () => {
    const s = await shop(env);
    const other = (await s.tenant.post('/api/v1/customers', { id: 'ct_other', name: 'Other', state: 'IN-MH' })).json();
    for (const id of ['l1', 'l2', 'l3']) await createOrder(s.tenant, { id });
    await createOrder(s.tenant, { id: 'l4', customer_id: other.id });
    expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['l2'] }), 1);
    await s.tenant.post('/api/v1/orders/l3/cancel');
    const ids = async (query: string) => ((await s.tenant.get(`/api/v1/orders${query}`)).json().items as Json[]).map((o) => o.id);
    expect(await ids('')).toEqual(['l4', 'l3', 'l2', 'l1']);
    expect(await ids('?customer_id=ct_other')).toEqual(['l4']);
    expect(await ids('?invoiced=true')).toEqual(['l2']);
    expect(await ids('?invoiced=false')).toEqual(['l4', 'l3', 'l1']);
    expect(await ids('?status=cancelled')).toEqual(['l3']);
    const page = (await s.tenant.get('/api/v1/orders?limit=2&include_total=true')).json();
    expect(page).toMatchObject({ total: 4, limit: 2, has_next: true });
    expect(((await s.tenant.get(`/api/v1/orders?limit=2&cursor=${page.next_cursor}`)).json().items as Json[]).map((o) => o.id)).toEqual(['l2', 'l1']);
    expect422(await s.tenant.get('/api/v1/orders?invoiced=maybe'), ['query', 'invoiced']);
  });

  it('never shows another business’s orders; getting one is a 404', async () => {
    const a = await shop(env);
    const b = await shop(env);
    await createOrder(b.tenant, { id: 'ord_b' });
    expect((await a.tenant.get('/api/v1/orders')).json().items).toEqual([]);
    expect(expectDetail(await a.tenant.get('/api/v1/orders/ord_b'), 404)).toBe("Order 'ord_b' not found in this business.");
    expectDetail(await a.tenant.post('/api/v1/orders/ord_b/cancel'), 404);
    expect((await b.tenant.get('/api/v1/orders/ord_b')).json().status).toBe('open');
  });
});

describe('POST /api/v1/orders/{id}/cancel', () => {
  it('cancels an open order; again changes nothing', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_c' });
    const first = await s.tenant.post('/api/v1/orders/ord_c/cancel');
    expect(first.statusCode).toBe(200);
    expect(first.json().status).toBe('cancelled');
    const again = await s.tenant.post('/api/v1/orders/ord_c/cancel');
    expect(again.json()).toEqual(first.json());
  });

  it('an invoiced order → 409; an unknown one → 404', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_i' });
    expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_i'] }), 1);
    expect(expectDetail(await s.tenant.post('/api/v1/orders/ord_i/cancel'), 409)).toBe("Order 'ord_i' is invoiced and cannot be cancelled.");
    expectDetail(await s.tenant.post('/api/v1/orders/nope/cancel'), 404);
  });
});

describe('auth on /api/v1/orders', () => {
  it('401 without a token, 403 without the orders scope', async () => {
    const s = await shop(env);
    expectDetail(await env.app.inject({ method: 'GET', url: '/api/v1/orders' }), 401);
    const reader = await createApiToken(env.database.db, { businessId: s.tenant.id, name: 'reader', scopes: ['orders.READ'] });
    const headers = { authorization: `Bearer ${reader.token}` };
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/orders', headers })).statusCode).toBe(200);
    expect(expectDetail(await env.app.inject({ method: 'POST', url: '/api/v1/orders', headers, payload: orderBody() }), 403)).toMatch(/orders\.CREATE/);
    expectDetail(await env.app.inject({ method: 'POST', url: '/api/v1/orders/x/cancel', headers }), 403);
  });
});

describe('POST /bulk/orders (seeds/000 style)', () => {
  it('creates each order independently, with per-item results in request order', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'taken' });
    const response = await s.tenant.post('/bulk/orders', {
      orders: [orderBody({ id: 'b1' }), orderBody({ id: 'taken' }), orderBody({ id: 'b2', customer_id: 'ct_nope' }), { nonsense: true }, orderBody({ id: 'b1' }), orderBody({ id: 'b3' })],
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.message).toBe('2 of 6 orders created.');
    expect(body.summary).toEqual({ total: 6, succeeded: 2, failed: 4 });
    expect(body.results.map((r: Json) => (r.ok ? r.order.id : r.error.code))).toEqual([
      'b1',
      'conflict.duplicate',
      'not_found.resource',
      'validation.required',
      'conflict.duplicate',
      'b3',
    ]);
    expect(body.results[2].error.field).toBe('customer_id');
    expect((await s.tenant.get('/api/v1/orders/b1')).json()).toEqual(body.results[0].order);
    expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['b1', 'b3'] }), 2);
  });

  it('parallel pushes of the same order ids: each id is created once', async () => {
    const s = await shop(env);
    const push = () => s.tenant.post('/bulk/orders', { orders: ['p1', 'p2', 'p3'].map((id) => orderBody({ id })) });
    const responses = await Promise.all([push(), push(), push()]);
    const created = responses.flatMap((r) => (r.json().results as Json[]).filter((x) => x.ok).map((x) => x.order.id));
    expect(created.sort()).toEqual(['p1', 'p2', 'p3']);
  });

  it('request-level errors use the seeds/000 envelope', async () => {
    const s = await shop(env);
    const empty = await s.tenant.post('/bulk/orders', { orders: [] });
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toMatchObject({ code: 422, error: { code: 'validation.invalid', field: 'orders' } });
    const many = await s.tenant.post('/bulk/orders', { orders: Array.from({ length: 51 }, () => orderBody()) });
    expect(many.json()).toMatchObject({ code: 422, error: { code: 'validation.too_large' } });
    const anonymous = await env.app.inject({ method: 'POST', url: '/bulk/orders', payload: { orders: [orderBody()] } });
    expect(anonymous.json()).toMatchObject({ code: 401, message: 'Invalid or missing access token' });
  });
});
