import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testApp } from './helpers/app.ts';
import { createBusiness, createCustomer } from './helpers/factories.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

describe('smoke', () => {
  it('serves health and creates a customer', async () => {
    const health = await env.app.inject({ url: '/health' });
    expect(health.json()).toEqual({ status: 'ok' });
    const tenant = await createBusiness(env.app);
    const customer = await createCustomer(tenant, { id: 'ct_smoke' });
    expect(customer.id).toBe('ct_smoke');
    const again = await tenant.post('/api/v1/customers', { id: 'ct_smoke', name: 'Dup' });
    expect(again.statusCode).toBe(409);
  });
});
