import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/modules/businesses/create-business.ts';
import type { Json, TestEnv } from '../helpers/app.ts';
import { createCustomer, createItem, createBusiness, type Tenant } from '../helpers/factories.ts';
import { importApp, line, HEADER, uploaded } from '../imports/support.ts';

/**
 * Scopes per effect (docs/scopes.md): a body flag that finalizes, sends, sweeps charges, marks
 * orders or reads a file needs the scope of the route that does that alone, checked before any
 * write. Each case: refused with 403 naming the scope and nothing written; allowed once granted.
 */

let env: TestEnv;
beforeAll(async () => {
  env = await importApp();
});
afterAll(() => env.app.close());

const DATE = '2026-05-12T00:00:00';

async function setUp(): Promise<Tenant> {
  const owner = await createBusiness(env.app);
  await createCustomer(owner, { id: 'ct_a', name: 'Acme', state: 'IN-MH', email: 'billing@acme.example' });
  await createItem(owner, { id: 'it_w', name: 'Widget', unit_price: 100_000, tax_rate: 18 });
  return owner;
}

/** Calls `url` with a token holding exactly `scopes` on the owner's business. */
async function asToken(owner: Tenant, scopes: string[], url: string, body: Json, extra: Record<string, string> = {}) {
  const { token } = await createApiToken(env.database.db, { businessId: owner.id, name: scopes.join(' '), scopes });
  return env.app.inject({ method: 'POST', url, payload: body, headers: { authorization: `Bearer ${token}`, 'x-business-id': owner.id, ...extra } });
}

async function state(owner: Tenant) {
  const [invoices, charges, orders] = await Promise.all(['/api/v1/invoices', '/api/v1/delayed-charges', '/api/v1/orders'].map(async (url) => (await owner.get(`${url}?limit=500`)).json().items as Json[]));
  return { invoices: invoices?.map((i) => [i.id, i.status]), charges: charges?.map((c) => [c.id, c.status]), orders: orders?.map((o) => [o.id, o.status]) };
}

const entry = (extra: Json = {}) => ({ customer_id: 'ct_a', date: DATE, place_of_supply: 'IN-MH', line_items: [{ item_id: 'it_w', quantity: 1 }], ...extra });

describe('scopes per effect', () => {
  const cases: { name: string; url: string; base: string[]; extra: string; body: (owner: Tenant) => Promise<Json>; ok: number }[] = [
    { name: 'bulk auto_approve', url: '/bulk/invoices', base: ['invoices.CREATE'], extra: 'invoices.UPDATE', body: async () => ({ invoices: [entry(), entry({ auto_approve: true })] }), ok: 200 },
    { name: 'bulk auto_send', url: '/bulk/invoices', base: ['invoices.CREATE'], extra: 'invoices.UPDATE', body: async () => ({ invoices: [entry({ auto_approve: true, auto_send: true })] }), ok: 200 },
    { name: 'single (seeds/000) auto_approve', url: '/invoices', base: ['invoices.CREATE'], extra: 'invoices.UPDATE', body: async () => entry({ auto_approve: true }), ok: 201 },
    { name: 'native auto_approve', url: '/api/v1/invoices', base: ['invoices.CREATE'], extra: 'invoices.UPDATE', body: async () => entry({ auto_approve: true }), ok: 201 },
    {
      name: 'batch sweeping delayed charges',
      url: '/api/v1/invoices/batch',
      base: ['invoices.CREATE'],
      extra: 'charges.UPDATE',
      body: async (owner) => {
        expect((await owner.post('/api/v1/delayed-charges', { customer_id: 'ct_a', description: 'Setup', amount: 5_000, currency: 'INR' })).statusCode).toBe(201);
        return { items: [{ customer_id: 'ct_a', due_date: '2099-01-31', line_items: [{ description: 'Work', quantity: 1, unit_price: 1_000 }] }], include_delayed_charges: true };
      },
      ok: 201,
    },
    { name: 'batch finalize', url: '/api/v1/invoices/batch', base: ['invoices.CREATE'], extra: 'invoices.UPDATE', body: async () => ({ items: [{ customer_id: 'ct_a', due_date: '2099-01-31', line_items: [{ description: 'Work', quantity: 1, unit_price: 1_000 }] }], finalize: true }), ok: 201 },
    {
      name: 'invoicing orders marks them invoiced',
      url: '/invoices/bulk',
      base: ['invoices.CREATE'],
      extra: 'orders.UPDATE',
      body: async (owner) => {
        const order = (await owner.post('/api/v1/orders', { customer_id: 'ct_a', currency: 'INR', place_of_supply: 'IN-MH', line_items: [{ id: 'ln_1', item_id: 'it_w', quantity: 1 }] })).json();
        return { orderIds: [order.id], finalize: false };
      },
      ok: 201,
    },
    {
      name: 'a CSV import reads a stored file',
      url: '/api/v1/invoices/bulk',
      base: ['invoices.CREATE'],
      extra: 'files.READ',
      body: async (owner) => ({ s3_key: await uploaded(owner, `${HEADER}\n${line('csv-1').join(',')}\n`) }),
      ok: 201,
    },
  ];

  it.each(cases)('$name needs $extra: 403 before any write, then allowed', async ({ url, base, extra, body, ok }) => {
    const owner = await setUp();
    const payload = await body(owner);
    const before = await state(owner);
    const refused = await asToken(owner, base, url, payload);
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.body).toContain(extra);
    expect(await state(owner)).toEqual(before);
    // Everything else a refused request might also need, so only `extra` is under test.
    const rest = ['invoices.UPDATE', 'charges.UPDATE', 'orders.UPDATE', 'files.READ'].filter((s) => s !== extra);
    const allowed = await asToken(owner, [...base, extra, ...rest], url, payload);
    expect(allowed.statusCode, allowed.body).toBe(ok);
  });

  it('a body without the flags needs only the route scope', async () => {
    const owner = await setUp();
    const plain = await asToken(owner, ['invoices.CREATE'], '/bulk/invoices', { invoices: [entry()] });
    expect(plain.statusCode, plain.body).toBe(200);
    expect(plain.json().summary.succeeded).toBe(1);
  });
});
