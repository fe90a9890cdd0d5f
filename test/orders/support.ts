import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Json, TestEnv } from '../helpers/app.ts';
import { type BusinessOverrides, createBusiness, createCustomer, createItem, type Tenant } from '../helpers/factories.ts';

export { eventsOf, expect422, expectDetail } from '../helpers/assertions.ts';

/** A GST shop (IN-MH) with an intra-state customer and an 18% item priced 1,000.00 INR. */
export interface Shop {
  tenant: Tenant;
  customer: Json;
  item: Json;
}

export async function shop(env: TestEnv, overrides: BusinessOverrides = {}): Promise<Shop> {
  const tenant = await createBusiness(env.app, overrides);
  const customer = await createCustomer(tenant, { id: 'ct_shop', name: 'Shop Customer', state: overrides.state ?? 'IN-MH' });
  const item = await createItem(tenant, { id: 'it_tee', name: 'T-shirt', description: 'Cotton tee', unit_price: 100_000, tax_rate: 18, hsn_code: '6109' });
  return { tenant, customer, item };
}

/** An order body: two lines, one auto-filled from the item, one priced on the line. */
export function orderBody(extra: Json = {}): Json {
  return {
    customer_id: 'ct_shop',
    currency: 'INR',
    place_of_supply: 'IN-MH',
    line_items: [
      { id: 'ln_1', item_id: 'it_tee', quantity: 2 },
      { id: 'ln_2', description: 'Gift wrap', unit_price: 5_000, quantity: 1, tax_rate: 18 },
    ],
    ...extra,
  };
}

export async function createOrder(tenant: Tenant, extra: Json = {}): Promise<Json> {
  const response = await tenant.post('/api/v1/orders', orderBody(extra));
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** POST /invoices/bulk as the seed shows it: the raw token in the accessToken header. */
export function invoiceOrders(env: TestEnv, tenant: Tenant, body: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const payload = body === undefined ? {} : { payload: body as InjectOptions['payload'] };
  return env.app.inject({ method: 'POST', url: '/invoices/bulk', headers: { accesstoken: tenant.token, 'x-business-id': tenant.id, ...headers }, ...payload });
}

/** A seeds/003 error: exactly `{"success": false, "message": message}`, plus the `request_id` every error carries. */
export function expectOrdersError(response: LightMyRequestResponse, status: number, message?: string | RegExp): string {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json() as Json;
  expect(Object.keys(body).sort()).toEqual(['message', 'request_id', 'success']);
  expect(body.request_id).toBe(response.headers['x-request-id']);
  expect(body.success).toBe(false);
  expect(typeof body.message).toBe('string');
  if (typeof message === 'string') expect(body.message).toBe(message);
  else if (message) expect(body.message).toMatch(message);
  return body.message;
}

/** A 201 from POST /invoices/bulk; checks the envelope and every invoice's exact key set. */
export function expectInvoices(response: LightMyRequestResponse, count: number): Json[] {
  expect(response.statusCode, response.body).toBe(201);
  const body = response.json() as Json;
  expect(Object.keys(body).sort()).toEqual(['count', 'data', 'message', 'success']);
  expect(body.success).toBe(true);
  expect(body.count).toBe(count);
  expect(body.data).toHaveLength(count);
  expect(typeof body.message).toBe('string');
  for (const invoice of body.data as Json[]) {
    expect(Object.keys(invoice).sort()).toEqual(['createdAt', 'createdBy', 'entityId', 'id', 'lineItems', 'metaFields', 'order', 'total', 'updatedAt']);
    expect(Object.keys(invoice.createdBy).sort()).toEqual(['id', 'name', 'type']);
    for (const line of invoice.lineItems) expect(Object.keys(line).sort()).toEqual(['id', 'lineItemId', 'quantity']);
  }
  return body.data;
}

export const ORDER_IDS_REQUIRED = 'Validation error: orderIds is required and must be an array';
