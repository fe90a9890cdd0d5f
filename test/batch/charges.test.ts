import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testApp } from '../helpers/app.ts';
import { expect422, expectDetail } from '../helpers/assertions.ts';
import { createBusiness, createCustomer, createItem, type Tenant } from '../helpers/factories.ts';
import { bearer, limitedToken } from '../foundation/support.ts';
import { BATCH, batchItem, CHARGES, chargesOf, createCharge, withKey } from './support.ts';

/** The delayed-charges resource (SPEC §4, seeds/004): create, get, list, update, delete. */
let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

async function tenantWithCustomer(): Promise<Tenant> {
  const tenant = await createBusiness(env.app);
  await createCustomer(tenant, { id: 'ct_a' });
  return tenant;
}

describe('POST /api/v1/delayed-charges', () => {
  it('records a pending charge priced as quantity × unit_price, in the customer’s or business’s currency', async () => {
    const tenant = await tenantWithCustomer();
    await createCustomer(tenant, { id: 'ct_usd', currency: 'USD' });
    const charge = await createCharge(tenant, { customer_id: 'ct_a', description: 'API calls', quantity: '1.5', unit_price: 333, tax_rate: '12.5' });
    expect(charge).toMatchObject({
      customer_id: 'ct_a',
      item_id: null,
      description: 'API calls',
      quantity: 1.5,
      unit_price: 333,
      amount: 500, // 499.5 rounded half-up
      currency: 'INR',
      tax_rate: 12.5,
      status: 'pending',
      invoice_id: null,
      invoiced_at: null,
    });
    const usd = await createCharge(tenant, { customer_id: 'ct_usd', description: 'Setup', amount: 5000 });
    expect(usd).toMatchObject({ currency: 'USD', quantity: 1, unit_price: 5000, amount: 5000, tax_rate: 0 });
    const eur = await createCharge(tenant, { customer_id: 'ct_usd', description: 'Travel', amount: 700, currency: 'EUR' });
    expect(eur.currency).toBe('EUR');
    const read = await tenant.get(`${CHARGES}/${charge.id}`);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toEqual(charge);
  });

  it('auto-fills description, unit price and tax rate from an item, as a line does', async () => {
    const tenant = await tenantWithCustomer();
    const item = await createItem(tenant, { id: 'it_meter', name: 'Meter reading', unit_price: 250, tax_rate: 18 });
    const charge = await createCharge(tenant, { customer_id: 'ct_a', item_id: item.id, quantity: 4 });
    expect(charge).toMatchObject({ item_id: 'it_meter', description: 'Meter reading', unit_price: 250, amount: 1000, tax_rate: 18 });
    const own = await createCharge(tenant, { customer_id: 'ct_a', item_id: item.id, description: 'Overage', unit_price: 10, tax_rate: 5 });
    expect(own).toMatchObject({ description: 'Overage', unit_price: 10, tax_rate: 5, quantity: 1 });
  });

  it('accepts {amount, quantity} when consistent: amount is the line total, the unit price derived', async () => {
    const tenant = await tenantWithCustomer();
    const base = { customer_id: 'ct_a', description: 'Usage' };
    expect(await createCharge(tenant, { ...base, amount: 1500, quantity: 3 })).toMatchObject({ quantity: 3, unit_price: 500, amount: 1500 });
    expect(await createCharge(tenant, { ...base, amount: 750, quantity: '1.5' })).toMatchObject({ quantity: 1.5, unit_price: 500, amount: 750 });
    expect(await createCharge(tenant, { ...base, amount: 1000, quantity: 2, unit_price: 500 })).toMatchObject({ quantity: 2, unit_price: 500, amount: 1000 });
  });

  it('refuses an {amount, quantity} that does not divide, or disagrees with unit_price, naming amount', async () => {
    const tenant = await tenantWithCustomer();
    const base = { customer_id: 'ct_a', description: 'Usage' };
    const indivisible = await tenant.post(CHARGES, { ...base, amount: 1000, quantity: 3 });
    expect422(indivisible, ['body', 'amount'], 'validation.invalid');
    expect(indivisible.body).toContain('unit_price');
    expect422(await tenant.post(CHARGES, { ...base, amount: 1000, quantity: 2, unit_price: 400 }), ['body', 'amount'], 'validation.invalid');
    const charge = await createCharge(tenant, { ...base, amount: 1000 });
    const patched = await tenant.request('PATCH', `${CHARGES}/${charge.id}`, { amount: 1200, quantity: 4 });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ quantity: 4, unit_price: 300, amount: 1200 });
    expect422(await tenant.request('PATCH', `${CHARGES}/${charge.id}`, { amount: 1000, quantity: 7 }), ['body', 'amount']);
  });

  it('refuses bad input with a 422 naming the field', async () => {
    const tenant = await tenantWithCustomer();
    const base = { customer_id: 'ct_a', description: 'Fee' };
    expect422(await tenant.post(CHARGES, { ...base, unit_price: 100, amount: 101 }), ['body', 'amount']);
    expect422(await tenant.post(CHARGES, { ...base, quantity: 3, amount: 100 }), ['body', 'amount']);
    expect422(await tenant.post(CHARGES, { ...base, quantity: -1, unit_price: 100 }), ['body', 'quantity']);
    expect422(await tenant.post(CHARGES, { ...base, quantity: '0', unit_price: 100 }), ['body', 'quantity']);
    expect422(await tenant.post(CHARGES, { ...base, quantity: '1.00001', unit_price: 100 }), ['body', 'quantity']);
    expect422(await tenant.post(CHARGES, { ...base, quantity: 1 }), ['body', 'unit_price'], 'validation.required');
    expect422(await tenant.post(CHARGES, { customer_id: 'ct_a', amount: 100 }), ['body', 'description'], 'validation.required');
    expect422(await tenant.post(CHARGES, { ...base, amount: 100, currency: 'XYZ' }), ['body', 'currency']);
    expect422(await tenant.post(CHARGES, { ...base, amount: 100, tax_rate: '101' }), ['body', 'tax_rate']);
    expect422(await tenant.post(CHARGES, { ...base, amount: -5 }), ['body', 'amount']);
    expect422(await tenant.post(CHARGES, { ...base, amount: '5' }), ['body', 'amount'], 'integer_type');
    expect422(await tenant.post(CHARGES, { ...base, amount: 5, status: 'invoiced' }), ['body', 'status'], 'extra_forbidden');
    expect422(await tenant.post(CHARGES, { ...base, quantity: '999999999999', unit_price: 1e15 }), ['body', 'quantity'], 'validation.too_large');
    expect(await chargesOf(tenant)).toEqual([]);
  });

  it('answers 404 for an unknown customer or item, and for another business’s', async () => {
    const tenant = await tenantWithCustomer();
    const other = await createBusiness(env.app);
    await createCustomer(other, { id: 'ct_other' });
    await createItem(other, { id: 'it_other' });
    expect(expectDetail(await tenant.post(CHARGES, { customer_id: 'ct_nope', amount: 1, description: 'x' }), 404)).toContain('ct_nope');
    expect(expectDetail(await tenant.post(CHARGES, { customer_id: 'ct_other', amount: 1, description: 'x' }), 404)).toContain('ct_other');
    expect(expectDetail(await tenant.post(CHARGES, { customer_id: 'ct_a', item_id: 'it_other', quantity: 1 }), 404)).toContain('it_other');
  });

  it('needs a token (401) with charges.CREATE (403)', async () => {
    const tenant = await tenantWithCustomer();
    const body = { customer_id: 'ct_a', amount: 1, description: 'x' };
    expectDetail(await env.app.inject({ method: 'POST', url: CHARGES, payload: body }), 401);
    const { token } = await limitedToken(env, tenant, ['charges.READ']);
    expect(expectDetail(await env.app.inject({ method: 'POST', url: CHARGES, headers: bearer(token), payload: body }), 403)).toContain('charges.CREATE');
    expect((await env.app.inject({ method: 'GET', url: CHARGES, headers: bearer(token) })).statusCode).toBe(200);
    const { token: writer } = await limitedToken(env, tenant, ['charges.*']);
    expect((await env.app.inject({ method: 'POST', url: CHARGES, headers: bearer(writer), payload: body })).statusCode).toBe(201);
    expect(expectDetail(await env.app.inject({ method: 'POST', url: BATCH, headers: bearer(writer), payload: { items: [batchItem('ct_a')] } }), 403)).toContain('invoices.CREATE');
  });

  it('replays an Idempotency-Key byte for byte and records the charge once', async () => {
    const tenant = await tenantWithCustomer();
    const body = { customer_id: 'ct_a', amount: 42, description: 'Once' };
    const first = await tenant.post(CHARGES, body, withKey('charge-1'));
    const again = await tenant.post(CHARGES, body, withKey('charge-1'));
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(await chargesOf(tenant)).toHaveLength(1);
  });
});

describe('references', () => {
  it('a customer or item with a delayed charge cannot be deleted (409 conflict.in_use)', async () => {
    const tenant = await tenantWithCustomer();
    await createItem(tenant, { id: 'it_used' });
    await createCharge(tenant, { customer_id: 'ct_a', item_id: 'it_used' });
    expect(expectDetail(await tenant.request('DELETE', '/api/v1/customers/ct_a'), 409)).toContain('delayed charges');
    expectDetail(await tenant.request('DELETE', '/api/v1/items/it_used'), 409);
  });
});

describe('GET /api/v1/delayed-charges', () => {
  it('lists newest first, filtered by customer and status, with keyset pages', async () => {
    const tenant = await tenantWithCustomer();
    await createCustomer(tenant, { id: 'ct_b' });
    const a1 = await createCharge(tenant, { customer_id: 'ct_a', amount: 1, description: 'a1' });
    const b1 = await createCharge(tenant, { customer_id: 'ct_b', amount: 2, description: 'b1' });
    const a2 = await createCharge(tenant, { customer_id: 'ct_a', amount: 3, description: 'a2' });
    expect((await chargesOf(tenant)).map((c) => c.id)).toEqual([a2.id, b1.id, a1.id]);
    expect((await chargesOf(tenant, '&customer_id=ct_a')).map((c) => c.id)).toEqual([a2.id, a1.id]);
    expect(await chargesOf(tenant, '&status=invoiced')).toEqual([]);
    const page = await tenant.get(`${CHARGES}?limit=2&include_total=true`);
    expect(page.json()).toMatchObject({ total: 3, limit: 2, has_next: true, has_prev: false });
    const next = await tenant.get(`${CHARGES}?limit=2&cursor=${page.json().next_cursor}`);
    expect(next.json().items.map((c: { id: string }) => c.id)).toEqual([a1.id]);
    expect422(await tenant.get(`${CHARGES}?status=done`), ['query', 'status']);
    expect422(await tenant.get(`${CHARGES}?cursor=nonsense`), ['query', 'cursor']);
    expectDetail(await env.app.inject({ method: 'GET', url: CHARGES }), 401);
  });

  it('never shows another business’s charges (404 by id, absent from lists)', async () => {
    const tenant = await tenantWithCustomer();
    const other = await tenantWithCustomer();
    const charge = await createCharge(other, { customer_id: 'ct_a', amount: 5, description: 'theirs' });
    expectDetail(await tenant.get(`${CHARGES}/${charge.id}`), 404);
    expectDetail(await tenant.request('PATCH', `${CHARGES}/${charge.id}`, { amount: 1 }), 404);
    expectDetail(await tenant.request('DELETE', `${CHARGES}/${charge.id}`), 404);
    expect(await chargesOf(tenant)).toEqual([]);
    expect((await other.get(`${CHARGES}/${charge.id}`)).json().amount).toBe(5);
  });
});

describe('PATCH and DELETE /api/v1/delayed-charges/{id}', () => {
  it('change and delete a pending charge', async () => {
    const tenant = await tenantWithCustomer();
    const charge = await createCharge(tenant, { customer_id: 'ct_a', quantity: 3, unit_price: 100, description: 'Seats' });
    const patched = await tenant.request('PATCH', `${CHARGES}/${charge.id}`, { quantity: 4, tax_rate: 18 });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ quantity: 4, unit_price: 100, amount: 400, tax_rate: 18, description: 'Seats' });
    const flat = await tenant.request('PATCH', `${CHARGES}/${charge.id}`, { amount: 999, description: 'Flat fee' });
    expect(flat.json()).toMatchObject({ quantity: 1, unit_price: 999, amount: 999, description: 'Flat fee', tax_rate: 18 });
    expect422(await tenant.request('PATCH', `${CHARGES}/${charge.id}`, {}), ['body']);
    expect422(await tenant.request('PATCH', `${CHARGES}/${charge.id}`, { customer_id: 'ct_b' }), ['body', 'customer_id'], 'extra_forbidden');
    expect422(await tenant.request('PATCH', `${CHARGES}/${charge.id}`, { quantity: '0' }), ['body', 'quantity']);
    expectDetail(await tenant.request('PATCH', `${CHARGES}/nope`, { amount: 1 }), 404);
    const deleted = await tenant.request('DELETE', `${CHARGES}/${charge.id}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expectDetail(await tenant.get(`${CHARGES}/${charge.id}`), 404);
    expectDetail(await tenant.request('DELETE', `${CHARGES}/${charge.id}`), 404);
  });

  it('refuse to change or delete an invoiced charge (409 state.invalid)', async () => {
    const tenant = await tenantWithCustomer();
    const charge = await createCharge(tenant, { customer_id: 'ct_a', amount: 700, description: 'Swept' });
    const batch = await tenant.post(BATCH, { items: [batchItem('ct_a')], include_delayed_charges: true });
    expect(batch.statusCode, batch.body).toBe(201);
    const invoiceId = batch.json().items[0].id;
    const invoiced = (await tenant.get(`${CHARGES}/${charge.id}`)).json();
    expect(invoiced).toMatchObject({ status: 'invoiced', invoice_id: invoiceId });
    expect(invoiced.invoiced_at).toBe(batch.json().items[0].created_at);
    expect(expectDetail(await tenant.request('PATCH', `${CHARGES}/${charge.id}`, { amount: 1 }), 409)).toContain(invoiceId);
    expectDetail(await tenant.request('DELETE', `${CHARGES}/${charge.id}`), 409);
    expect((await tenant.get(`${CHARGES}/${charge.id}`)).json()).toEqual(invoiced);
    expect((await chargesOf(tenant, '&status=invoiced')).map((c) => c.id)).toEqual([charge.id]);
  });

  it('need charges.UPDATE / charges.DELETE (403) and a token (401)', async () => {
    const tenant = await tenantWithCustomer();
    const charge = await createCharge(tenant, { customer_id: 'ct_a', amount: 1, description: 'x' });
    const { token } = await limitedToken(env, tenant, ['charges.READ', 'charges.CREATE']);
    const url = `${CHARGES}/${charge.id}`;
    expect(expectDetail(await env.app.inject({ method: 'PATCH', url, headers: bearer(token), payload: { amount: 2 } }), 403)).toContain('charges.UPDATE');
    expect(expectDetail(await env.app.inject({ method: 'DELETE', url, headers: bearer(token) }), 403)).toContain('charges.DELETE');
    expectDetail(await env.app.inject({ method: 'DELETE', url }), 401);
    expect((await tenant.get(url)).json().amount).toBe(1);
  });
});
