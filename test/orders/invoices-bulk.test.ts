import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/modules/businesses/create-business.ts';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer } from '../helpers/factories.ts';
import { createOrder, eventsOf, expectInvoices, expectOrdersError, invoiceOrders, ORDER_IDS_REQUIRED, shop } from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

const countInvoices = async (tenantId: string) =>
  Number((await sql<{ n: string }>`select count(*) as n from invoices where business_id = ${tenantId}`.execute(env.database.db)).rows[0]?.n);

describe('POST /invoices/bulk: the seeds/003 shape', () => {
  it('creates one invoice per order, in orderIds order, exactly in the seed shape', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: '69ab24db449866373d5e3e35', meta: { channel: 'web', priority: 2 } });
    await createOrder(s.tenant, { id: '69ab24db449866373d5e3e40', line_items: [{ id: '69ab24db449866373d5e3e41', item_id: 'it_tee', quantity: 30 }] });
    const response = await invoiceOrders(env, s.tenant, { orderIds: ['69ab24db449866373d5e3e40', '69ab24db449866373d5e3e35'] });
    const data = expectInvoices(response, 2);
    expect(response.json().message).toBe('2 invoices created.');
    const [first, second] = data as [Json, Json];
    expect(first.order).toBe('69ab24db449866373d5e3e40');
    expect(first.entityId).toBe('1');
    expect(first.lineItems).toEqual([{ lineItemId: '69ab24db449866373d5e3e41', quantity: 30, id: expect.any(String) }]);
    // 30 × 1,000.00 + 18% GST
    expect(first.total).toBe(35400);
    expect(first.metaFields).toEqual([]);
    expect(second.order).toBe('69ab24db449866373d5e3e35');
    expect(second.entityId).toBe('2');
    expect(second.lineItems.map((l: Json) => [l.lineItemId, l.quantity])).toEqual([
      ['ln_1', 2],
      ['ln_2', 1],
    ]);
    // (2 × 1,000.00 + 50.00) × 1.18
    expect(second.total).toBe(2419);
    expect(second.metaFields).toEqual([
      { key: 'channel', value: 'web' },
      { key: 'priority', value: 2 },
    ]);
    expect(second.createdBy).toEqual({ id: expect.any(String), name: expect.stringMatching(/owner$/), type: 'admin' });
    expect(second.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(second.updatedAt).toBe(second.createdAt);
  });

  it('is the same invoice in the native API: order_id, entity_id, lines and total', async () => {
    const s = await shop(env);
    const order = await createOrder(s.tenant, { id: 'ord_native' });
    const [made] = expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_native'] }), 1) as [Json];
    const native = (await s.tenant.get(`/api/v1/invoices/${made.id}`)).json();
    expect(native).toMatchObject({ id: made.id, order_id: 'ord_native', entity_id: made.entityId, customer_id: 'ct_shop', currency: 'INR', status: 'open' });
    expect(native.total).toBe(241_900);
    expect(native.total).toBe(order.total);
    expect(native.created_at).toBe(made.createdAt);
    expect(native.line_items.map((l: Json) => l.id)).toEqual(made.lineItems.map((l: Json) => l.id));
    expect(native.line_items.map((l: Json) => [l.name, l.quantity, l.unit_price, l.hsn_code])).toEqual([
      ['T-shirt', 2, 100_000, '6109'],
      ['Gift wrap', 1, 5_000, null],
    ]);
    // Finalized: numbered and posted to the ledger.
    expect(native.number).toMatch(/^INV-\d+$/);
    expect(native.journal_entries).toHaveLength(1);
    const orderNow = (await s.tenant.get('/api/v1/orders/ord_native')).json();
    expect(orderNow).toMatchObject({ status: 'invoiced', invoice_id: made.id });
  });

  it('"finalize": false keeps the invoices drafts, still with entity ids', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_draft' });
    const [made] = expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_draft'], finalize: false }), 1) as [Json];
    expect(made.entityId).toBe('1');
    const native = (await s.tenant.get(`/api/v1/invoices/${made.id}`)).json();
    expect(native).toMatchObject({ status: 'draft', number: null, journal_entries: [], order_id: 'ord_draft' });
    expect((await s.tenant.post(`/api/v1/invoices/${made.id}/finalize`)).json().status).toBe('open');
  });

  it.each([
    ['INR', 'IN', 'IN-MH', 123_456, 18, 1456.78],
    ['USD', 'US', 'US-CA', 1_999, 10, 21.99],
    ['JPY', 'JP', null, 1_500, 10, 1650],
  ])('total is in major units of %s', async (currency, country, state, unitPrice, rate, expected) => {
    const tenant = await createBusiness(env.app, { country, state, currency });
    await createCustomer(tenant, { id: 'ct_x', name: 'Buyer', state: state ?? null });
    const placeOfSupply = country === 'IN' ? { place_of_supply: 'IN-MH' } : {};
    const body = { id: 'ord_money', customer_id: 'ct_x', currency, ...placeOfSupply, line_items: [{ description: 'Thing', unit_price: unitPrice, tax_rate: rate, quantity: 1 }] };
    expect((await tenant.post('/api/v1/orders', body)).statusCode).toBe(201);
    const [made] = expectInvoices(await invoiceOrders(env, tenant, { orderIds: ['ord_money'] }), 1) as [Json];
    expect(made.total).toBe(expected);
    expect(JSON.stringify(made.total)).toBe(String(expected));
  });

  it('emits INVOICE_CREATED and INVOICE_APPROVED per invoice and one aggregate per call', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_e1' });
    await createOrder(s.tenant, { id: 'ord_e2' });
    expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_e1', 'ord_e2'] }), 2);
    expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_e1'] }), 1);
    const events = (await eventsOf(env, s.tenant.id)).map((e) => e.type);
    expect(events).toEqual(['INVOICE_CREATED', 'INVOICE_APPROVED', 'INVOICE_CREATED', 'INVOICE_APPROVED', 'INVOICE_BULK_CREATED', 'INVOICE_BULK_CREATED']);
    const bulk = (await eventsOf(env, s.tenant.id)).filter((e) => e.type === 'INVOICE_BULK_CREATED').map((e) => e.payload.data);
    expect(bulk).toEqual([
      { count: 2, failed: 0, batch_size: 2, existing: 0, source: 'orders' },
      { count: 0, failed: 0, batch_size: 1, existing: 1, source: 'orders' },
    ]);
  });
});

describe('at most one invoice per order', () => {
  it('asking again returns the existing invoice unchanged, with its createdBy', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_again' });
    await createOrder(s.tenant, { id: 'ord_new' });
    const [first] = expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_again'] }), 1) as [Json];
    // Another principal asks later: the invoice still names whoever made it.
    const other = await createApiToken(env.database.db, { businessId: s.tenant.id, name: 'Shop sync', scopes: ['invoices.CREATE', 'invoices.UPDATE', 'orders.UPDATE'] });
    const response = await invoiceOrders(env, s.tenant, { orderIds: ['ord_new', 'ord_again'] }, { accesstoken: `Bearer ${other.token}` });
    const [made, again] = expectInvoices(response, 2) as [Json, Json];
    expect(response.json().message).toBe('1 invoice created, 1 already existed.');
    expect(again).toEqual(first);
    expect(made.entityId).toBe('2');
    expect(made.createdBy).toEqual({ id: other.principalId, name: 'Shop sync', type: 'api' });
    expect(await countInvoices(s.tenant.id)).toBe(2);
  });

  it('an invoice kept as a draft, or voided since, is returned as it is', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_kept' });
    await createOrder(s.tenant, { id: 'ord_void' });
    const [draft] = expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_kept'], finalize: false }), 1) as [Json];
    const [open] = expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_void'] }), 1) as [Json];
    expect((await s.tenant.post(`/api/v1/invoices/${open.id}/void`)).statusCode).toBe(200);
    const again = expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_kept', 'ord_void'] }), 2);
    expect(again.map((d) => d.id)).toEqual([draft.id, open.id]);
    expect((await s.tenant.get(`/api/v1/invoices/${draft.id}`)).json().status).toBe('draft');
    expect(await countInvoices(s.tenant.id)).toBe(2);
  });

  it('repeated ids in one call count once', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_dup' });
    await createOrder(s.tenant, { id: 'ord_two' });
    const data = expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_dup', 'ord_two', 'ord_dup'] }), 2);
    expect(data.map((d) => [d.order, d.entityId])).toEqual([
      ['ord_dup', '1'],
      ['ord_two', '2'],
    ]);
  });

  it('entityId runs "1", "2", "3" across calls and businesses count separately', async () => {
    const a = await shop(env);
    const b = await shop(env);
    for (const id of ['o1', 'o2', 'o3']) await createOrder(a.tenant, { id });
    await createOrder(b.tenant, { id: 'o1' });
    const ids: string[] = [];
    for (const id of ['o1', 'o2', 'o3']) ids.push(...expectInvoices(await invoiceOrders(env, a.tenant, { orderIds: [id] }), 1).map((d) => d.entityId));
    expect(ids).toEqual(['1', '2', '3']);
    expect(expectInvoices(await invoiceOrders(env, b.tenant, { orderIds: ['o1'] }), 1)[0].entityId).toBe('1');
  });

  it('a cancelled order is refused like an unknown one; an invoiced order cannot be cancelled', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_cancel' });
    await createOrder(s.tenant, { id: 'ord_keep' });
    expect((await s.tenant.post('/api/v1/orders/ord_cancel/cancel')).json().status).toBe('cancelled');
    expectOrdersError(await invoiceOrders(env, s.tenant, { orderIds: ['ord_keep', 'ord_cancel'] }), 404, 'Order not found: ord_cancel');
    expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_keep'] }), 1);
    expect((await s.tenant.post('/api/v1/orders/ord_keep/cancel')).statusCode).toBe(409);
  });
});

describe('404: unknown orders create nothing', () => {
  it('names the first unknown order in orderIds order and leaves nothing behind', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_ok' });
    const response = await invoiceOrders(env, s.tenant, { orderIds: ['ord_ok', 'missing_b', 'missing_a'] });
    expectOrdersError(response, 404, 'Order not found: missing_b');
    expect(await countInvoices(s.tenant.id)).toBe(0);
    expect((await s.tenant.get('/api/v1/orders/ord_ok')).json().status).toBe('open');
    expect(await eventsOf(env, s.tenant.id)).toEqual([]);
    // The entity counter was not consumed.
    expect(expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_ok'] }), 1)[0].entityId).toBe('1');
  });

  it("another business's order is a 404, and that order stays uninvoiced", async () => {
    const a = await shop(env);
    const b = await shop(env);
    await createOrder(b.tenant, { id: 'ord_of_b' });
    await createOrder(a.tenant, { id: 'ord_of_a' });
    expectOrdersError(await invoiceOrders(env, a.tenant, { orderIds: ['ord_of_a', 'ord_of_b'] }), 404, 'Order not found: ord_of_b');
    expect((await b.tenant.get('/api/v1/orders/ord_of_b')).json().invoice_id).toBeNull();
    expect(await countInvoices(a.tenant.id)).toBe(0);
  });
});

describe('400: orderIds validation, hostile input', () => {
  it.each([
    ['missing', {}],
    ['null', { orderIds: null }],
    ['a string', { orderIds: 'ord_1' }],
    ['an object', { orderIds: { 0: 'ord_1' } }],
    ['a number', { orderIds: 7 }],
    ['empty', { orderIds: [] }],
    ['a body that is an array', ['ord_1']],
    ['a body that is a JSON string', '"orderIds"'],
    ['a body that is null', 'null'],
  ])('orderIds %s → the seed message', async (_label, body) => {
    const response = await invoiceOrders(env, (await shop(env)).tenant, body, { 'content-type': 'application/json' });
    expectOrdersError(response, 400, ORDER_IDS_REQUIRED);
  });

  it('no body at all → the seed message', async () => {
    const s = await shop(env);
    expectOrdersError(await invoiceOrders(env, s.tenant, undefined), 400, ORDER_IDS_REQUIRED);
  });

  it.each([
    ['numbers', { orderIds: [1, 2, 3] }],
    ['nulls', { orderIds: [null] }],
    ['nested arrays', { orderIds: [['a']] }],
    ['objects', { orderIds: [{ $ne: null }] }],
    ['an empty string', { orderIds: [''] }],
    ['10,000 ids', { orderIds: Array.from({ length: 10_000 }, (_, i) => `ord_${i}`) }],
    ['101 ids', { orderIds: Array.from({ length: 101 }, (_, i) => `ord_${i}`) }],
    ['a 10 KB id', { orderIds: ['x'.repeat(10_240)] }],
    ['SQL-looking ids', { orderIds: ["1'; drop table orders; --"] }],
    ['SQL-looking ids (2)', { orderIds: ["' or '1'='1"] }],
    ['NUL in an id', { orderIds: ['ord\u0000'] }],
    ['a lone surrogate', { orderIds: ['\ud800'] }],
    ['an unknown field', { orderIds: ['ord_1'], colour: 'red' }],
    ['finalize not a boolean', { orderIds: ['ord_1'], finalize: 'yes' }],
  ])('%s → 400 "Validation error: …", never 500', async (_label, body) => {
    const s = await shop(env);
    expectOrdersError(await invoiceOrders(env, s.tenant, body), 400, /^Validation error: /);
    expect(await countInvoices(s.tenant.id)).toBe(0);
  });

  it('the limit is configurable (BULK_MAX_ORDER_IDS)', async () => {
    const small = await testApp({ bulkMaxOrderIds: 2 });
    try {
      const tenant = await createBusiness(small.app);
      const response = await small.app.inject({ method: 'POST', url: '/invoices/bulk', headers: { accesstoken: tenant.token }, payload: { orderIds: ['a', 'b', 'c'] } });
      expectOrdersError(response, 400, 'Validation error: orderIds may name at most 2 orders; got 3');
    } finally {
      await small.app.close();
    }
  });

  it.each([
    ['malformed JSON', '{"orderIds": [', 'application/json', 400],
    ['empty JSON body', '', 'application/json', 400],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'application/json', 400],
    ['prototype poisoning', '{"orderIds":["a"],"__proto__":{"x":1}}', 'application/json', 400],
    ['a form body', 'orderIds=a', 'application/x-www-form-urlencoded', 415],
  ])('%s comes back in the seeds/003 envelope', async (_label, payload, contentType, status) => {
    const s = await shop(env);
    const response = await env.app.inject({ method: 'POST', url: '/invoices/bulk', headers: { accesstoken: s.tenant.token, 'content-type': contentType }, payload });
    expectOrdersError(response, status);
  });
});

describe('401 / 403', () => {
  it.each([
    ['no token', {}],
    ['an unknown token', { accesstoken: `bw_pat_${'A'.repeat(40)}` }],
    ['garbage', { accesstoken: 'hello world' }],
    ['an unknown Bearer token', { authorization: 'Bearer bw_pat_nope' }],
  ])('%s → 401 "Invalid or missing access token"', async (_label, headers) => {
    const response = await env.app.inject({ method: 'POST', url: '/invoices/bulk', headers, payload: { orderIds: ['a'] } });
    expectOrdersError(response, 401, 'Invalid or missing access token');
  });

  it('the 401 comes before body validation', async () => {
    const response = await env.app.inject({ method: 'POST', url: '/invoices/bulk', headers: { 'content-type': 'application/json' }, payload: '{bad' });
    expectOrdersError(response, 401, 'Invalid or missing access token');
  });

  it('accepts the token as raw accessToken, "Bearer" accessToken and Authorization: Bearer', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_auth' });
    const made = expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_auth'] }), 1)[0];
    for (const headers of [{ accesstoken: `Bearer ${s.tenant.token}` }, { accesstoken: '', authorization: `Bearer ${s.tenant.token}` }]) {
      const response = await env.app.inject({ method: 'POST', url: '/invoices/bulk', headers: headers.accesstoken ? headers : { authorization: headers.authorization }, payload: { orderIds: ['ord_auth'] } });
      expect(expectInvoices(response, 1)[0]).toEqual(made);
    }
  });

  it('over the rate limit → 429 in the seeds/003 envelope', async () => {
    const limited = await testApp({ rateLimitPerMinute: 1 });
    try {
      const tenant = await createBusiness(limited.app);
      const send = () => limited.app.inject({ method: 'POST', url: '/invoices/bulk', headers: { accesstoken: tenant.token }, payload: { orderIds: ['a'] } });
      await send();
      const response = await send();
      expectOrdersError(response, 429, /Rate limit exceeded/);
      expect(response.headers['retry-after']).toBeDefined();
    } finally {
      await limited.app.close();
    }
  });

  it('a token without invoices.CREATE → 403 in the seeds/003 envelope', async () => {
    const s = await shop(env);
    const limited = await createApiToken(env.database.db, { businessId: s.tenant.id, name: 'reader', scopes: ['orders.*', 'invoices.READ'] });
    const response = await env.app.inject({ method: 'POST', url: '/invoices/bulk', headers: { accesstoken: limited.token }, payload: { orderIds: ['a'] } });
    expectOrdersError(response, 403, 'This token lacks the scope invoices.CREATE.');
  });

  it('a business the token cannot reach → 403', async () => {
    const a = await shop(env);
    const b = await createBusiness(env.app);
    const response = await invoiceOrders(env, a.tenant, { orderIds: ['a'] }, { 'x-business-id': b.id });
    expectOrdersError(response, 403);
  });
});

describe('500 and idempotency', () => {
  it('a database failure → 500 with exactly the seed message, nothing created', async () => {
    const s = await shop(env);
    const marker = `fail_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    await createOrder(s.tenant, { id: marker });
    const fn = `billow_test_${marker}`;
    await sql
      .raw(`create function ${fn}() returns trigger language plpgsql as $$ begin
              if new.order_id = '${marker}' then raise exception 'injected failure'; end if; return new; end $$`)
      .execute(env.database.db);
    await sql.raw(`create trigger ${fn} before insert on invoices for each row execute function ${fn}()`).execute(env.database.db);
    try {
      const response = await invoiceOrders(env, s.tenant, { orderIds: [marker] });
      expectOrdersError(response, 500, 'An error occurred while creating invoices');
      expect(response.body).not.toMatch(/injected|stack|at /);
      expect(await countInvoices(s.tenant.id)).toBe(0);
    } finally {
      await sql.raw(`drop trigger if exists ${fn} on invoices`).execute(env.database.db);
      await sql.raw(`drop function if exists ${fn}()`).execute(env.database.db);
    }
    // The 500 was not stored or half-done: the order can be invoiced now, as entity "1".
    expect(expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: [marker] }), 1)[0].entityId).toBe('1');
  });

  it('Idempotency-Key replays the stored response; a different body under the key is refused', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_idem' });
    await createOrder(s.tenant, { id: 'ord_idem2' });
    const key = { 'idempotency-key': `k-${randomUUID()}` };
    const first = await invoiceOrders(env, s.tenant, { orderIds: ['ord_idem'] }, key);
    expectInvoices(first, 1);
    const replay = await invoiceOrders(env, s.tenant, { orderIds: ['ord_idem'] }, key);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(first.body);
    expectOrdersError(await invoiceOrders(env, s.tenant, { orderIds: ['ord_idem2'] }, key), 400, /Idempotency-Key/);
    expect(await countInvoices(s.tenant.id)).toBe(1);
  });
});
