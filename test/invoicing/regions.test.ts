import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expect422 } from '../helpers/assertions.ts';
import { type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness } from '../helpers/factories.ts';

/** Subdivision codes: free-form outside India, GST state codes where they decide the tax. */
let env: TestEnv;

beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

describe('state and place of supply codes', () => {
  it('accepts other countries’ subdivision codes and taxes with one component', async () => {
    const us = await createBusiness(env.app, { country: 'US', state: 'CA', currency: 'USD' });
    expect((await us.post('/api/v1/customers', { id: 'ct_ny', name: 'NY Co', state: 'US-NY' })).statusCode).toBe(201);
    const created = await us.post('/api/v1/invoices', {
      customer_id: 'ct_ny',
      place_of_supply: 'NY',
      line_items: [{ name: 'Consulting', unit_price: 1000, quantity: 1, tax_rate: '8.875' }],
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ tax_regime: 'simple', tax: 89, cgst: 0, sgst: 0, igst: 0, total: 1089, place_of_supply: 'NY' });
  });

  it('requires a GST state code as place of supply for an Indian business', async () => {
    const india = await createBusiness(env.app);
    expect((await india.post('/api/v1/customers', { id: 'ct_ka', name: 'KA Co', state: 'KA' })).statusCode).toBe(201);
    const body = { customer_id: 'ct_ka', line_items: [{ name: 'x', unit_price: 1000, quantity: 1, tax_rate: 18 }] };
    expect422(await india.post('/api/v1/invoices', { ...body, place_of_supply: 'KA' }), ['body', 'place_of_supply'], 'validation.invalid');
    expect422(await india.post('/api/v1/invoices', { ...body, place_of_supply: 'in-ka' }), ['body', 'place_of_supply']);
    const ok = await india.post('/api/v1/invoices', { ...body, place_of_supply: 'IN-KA' });
    expect(ok.json()).toMatchObject({ tax_regime: 'inter', igst: 180 });
  });
});
