import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Json } from '../helpers/app.ts';
import { createCustomer, type Tenant } from '../helpers/factories.ts';

export const BATCH = '/api/v1/invoices/batch';
export const CHARGES = '/api/v1/delayed-charges';
export const DUE = '2099-01-31';

export const withKey = (key: string) => ({ 'idempotency-key': key });

/** A batch item: one line of 2 × 1,000.00 at 18%. */
export function batchItem(customerId: string, extra: Json = {}): Json {
  return { customer_id: customerId, due_date: DUE, line_items: [{ description: 'Consulting', quantity: 2, unit_price: 100_000, tax_rate: 18 }], ...extra };
}

export async function createCharge(tenant: Tenant, body: Json): Promise<Json> {
  const response = await tenant.post(CHARGES, body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** Customers ct_0…ct_{n-1} (client-chosen ids), in Maharashtra unless told otherwise. */
export async function createCustomers(tenant: Tenant, n: number, extra: Json = {}): Promise<Json[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => createCustomer(tenant, { id: `ct_${i}`, name: `Customer ${i}`, ...extra })));
}

/** A 201 batch response: an InvoiceListResponse holding exactly `count` invoices. */
export function expectBatch(response: LightMyRequestResponse, count: number): Json[] {
  expect(response.statusCode, response.body).toBe(201);
  const body = response.json() as Json;
  expect(body).toMatchObject({ total: count, limit: count, next_cursor: null, prev_cursor: null, has_next: false, has_prev: false });
  expect(body.items).toHaveLength(count);
  return body.items;
}

export async function chargesOf(tenant: Tenant, query = ''): Promise<Json[]> {
  const response = await tenant.get(`${CHARGES}?limit=500${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items;
}

export async function invoiceCount(tenant: Tenant): Promise<number> {
  const response = await tenant.get('/api/v1/invoices?include_total=true&limit=1');
  expect(response.statusCode, response.body).toBe(200);
  return response.json().total;
}
