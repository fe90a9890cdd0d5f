import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, type Tenant } from '../helpers/factories.ts';

/** Bulk writes pass text through PostgreSQL array literals (unnest): nothing may be mangled. */
const AWKWARD = ['NULL', 'null', 'a"b', 'c\\d', '{x,y}', ' lead', 'tail ', 'é ✓ 😀', "it's"];

let env: TestEnv;
let tenant: Tenant;

beforeAll(async () => {
  env = await testApp();
  tenant = await createBusiness(env.app);
  await createCustomer(tenant, { id: 'ct_q', name: 'Quote "Co" \\ {Ltd}', state: 'IN-MH' });
});
afterAll(() => env.app.close());

describe('text survives the set-based write path unchanged', () => {
  it.each(AWKWARD)('keeps %j in description, reference and line text', async (text) => {
    const created = await tenant.post('/api/v1/invoices', {
      customer_id: 'ct_q',
      place_of_supply: 'IN-MH',
      description: text,
      reference: text,
      line_items: [{ name: text, description: text, unit_price: 100, quantity: 1 }],
    });
    expect(created.statusCode, created.body).toBe(201);
    const stored = (await tenant.get(`/api/v1/invoices/${created.json().id}`)).json();
    expect(stored.description).toBe(text);
    expect(stored.reference).toBe(text);
    expect(stored.line_items[0].name).toBe(text);
    expect(stored.line_items[0].description).toBe(text);
    expect(stored.customer_name).toBe('Quote "Co" \\ {Ltd}');
  });

  it('keeps a null description null rather than the text "NULL"', async () => {
    const created = await tenant.post('/api/v1/invoices', { customer_id: 'ct_q', place_of_supply: 'IN-MH', line_items: [{ name: 'x', unit_price: 1, quantity: 1 }] });
    const stored = (await tenant.get(`/api/v1/invoices/${created.json().id}`)).json();
    expect(stored.description).toBeNull();
    expect(stored.line_items[0].description).toBeNull();
  });
});
