import { createClient } from 'billow/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem, type Tenant } from '../helpers/factories.ts';

// The typed client against a real listening server (127.0.0.1, a free port), on whichever
// database the suite runs on.
let env: TestEnv;
let baseUrl: string;
let tenant: Tenant;

beforeAll(async () => {
  env = await testApp();
  baseUrl = await env.app.listen({ port: 0, host: '127.0.0.1' });
  tenant = await createBusiness(env.app);
  await createCustomer(tenant, { id: 'ct_acme' });
  await createItem(tenant, { id: 'it_widget' });
});
afterAll(() => env.app.close());

describe("billow/client", () => {
  it('bulk-creates invoices, reads one back, and reports the bad item with its code and field', async () => {
    const billow = createClient({ baseUrl, token: tenant.token, businessId: tenant.id });
    const { data, error, response } = await billow.POST('/bulk/invoices', {
      headers: { 'idempotency-key': `client-${tenant.id}` },
      body: {
        invoices: [
          { customer_id: 'ct_acme', date: '2026-05-12', place_of_supply: 'IN-MH', line_items: [{ item_id: 'it_widget', quantity: 2 }], auto_approve: true },
          { customer_id: 'ct_acme', place_of_supply: 'IN-MH', line_items: [{ item_id: 'it_missing', quantity: 1 }] },
        ],
      },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(data?.summary).toEqual({ total: 2, succeeded: 1, failed: 1 });
    const [created, failed] = data?.results ?? [];
    expect(failed?.error).toEqual({ code: 'not_found.resource', message: expect.stringContaining('it_missing'), field: 'line_items[0].item_id' });
    const id = created?.invoice?.id ?? '';
    expect(created?.invoice?.number).toMatch(/\d+$/);

    const read = await billow.GET('/api/v1/invoices/{id}', { params: { path: { id } } });
    expect(read.data?.id).toBe(id);
    expect(read.data?.total).toBe(created?.invoice?.total);
    expect(read.data?.status).toBe('open');
  });

  it('types error bodies per dialect: FastAPI detail on /api/v1, {code,message,error} on /bulk', async () => {
    const billow = createClient({ baseUrl, token: tenant.token });
    const missing = await billow.GET('/api/v1/invoices/{id}', { params: { path: { id: 'inv_nowhere' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.detail).toMatch(/not found/);
    expect(missing.error?.request_id).toBe(missing.response.headers.get('x-request-id'));

    const anonymous = createClient({ baseUrl });
    const denied = await anonymous.POST('/bulk/invoices', { body: { invoices: [] } });
    expect(denied.response.status).toBe(401);
    expect(denied.error?.code).toBe(401);
    expect(denied.error?.error.code).toBe('auth.unauthenticated');
  });

  it('pages through a list with typed query parameters and sends the accessToken header when asked', async () => {
    const billow = createClient({ baseUrl, headers: { accessToken: tenant.token } });
    const page = await billow.GET('/api/v1/customers', { params: { query: { limit: 1, include_total: true } } });
    expect(page.data?.items.map((c) => c.id)).toEqual(['ct_acme']);
    expect(page.data?.total).toBe(1);
    const health = await billow.GET('/health');
    expect(health.data).toEqual({ status: 'ok' });
  });
});
