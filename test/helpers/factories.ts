import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { ADMIN_TOKEN, type Json } from './app.ts';

/** A business created through the admin API, with helpers that call the API as its owner. */
export interface Tenant {
  id: string;
  token: string;
  business: Json;
  headers: Record<string, string>;
  request(method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export interface BusinessOverrides {
  name?: string;
  country?: string;
  state?: string | null;
  currency?: string;
  invoice_prefix?: string;
  number_reset?: 'never' | 'fiscal_year';
  credit_note_prefix?: string;
  debit_note_prefix?: string;
}

/** Default: a GST business in Maharashtra invoicing in INR. */
export async function createBusiness(app: FastifyInstance, overrides: BusinessOverrides = {}): Promise<Tenant> {
  const body = { name: `Test ${randomUUID().slice(0, 8)}`, country: 'IN', state: 'IN-MH', currency: 'INR', ...overrides };
  const response = await app.inject({ method: 'POST', url: '/api/v1/businesses', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: body });
  if (response.statusCode !== 201) throw new Error(`createBusiness failed: ${response.statusCode} ${response.body}`);
  const created = response.json() as { business: Json; token: string };
  const headers = { authorization: `Bearer ${created.token}`, 'x-business-id': created.business.id as string };
  const request: Tenant['request'] = (method, url, payload, extra = {}) =>
    app.inject({ method, url, headers: { ...headers, ...extra }, ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }) });
  return {
    id: created.business.id,
    token: created.token,
    business: created.business,
    headers,
    request,
    post: (url, payload, extra) => request('POST', url, payload ?? {}, extra),
    get: (url, extra) => request('GET', url, undefined, extra),
  };
}

async function created(response: LightMyRequestResponse, what: string): Promise<Json> {
  if (response.statusCode !== 201) throw new Error(`create ${what} failed: ${response.statusCode} ${response.body}`);
  return response.json();
}

export async function createCustomer(tenant: Tenant, body: Json = {}): Promise<Json> {
  return created(await tenant.post('/api/v1/customers', { name: 'Acme', state: 'IN-MH', ...body }), 'customer');
}

export async function createVendor(tenant: Tenant, body: Json = {}): Promise<Json> {
  return created(await tenant.post('/api/v1/vendors', { name: 'Supplier', state: 'IN-MH', ...body }), 'vendor');
}

export async function createItem(tenant: Tenant, body: Json = {}): Promise<Json> {
  return created(await tenant.post('/api/v1/items', { name: 'Widget', unit_price: 100_000, tax_rate: 18, hsn_code: '8471', ...body }), 'item');
}
