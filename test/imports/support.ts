import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import type { Config } from '../../src/config.ts';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem, type Tenant } from '../helpers/factories.ts';

/** A due date no test clock reaches: invoices are dated today. */
export const DUE = '2099-12-31';

export const HEADER = 'invoice_ref,customer_id,due_date,currency,description,item_id,line_description,quantity,unit_price,tax_rate,place_of_supply';

/** A test app whose local object store is a fresh temporary folder. */
export async function importApp(overrides: Partial<Config> = {}): Promise<TestEnv & { objectsDir: string }> {
  const objectsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-objects-'));
  const env = await testApp({ objectStore: { kind: 'local', dir: objectsDir }, ...overrides });
  return { ...env, objectsDir };
}

/** A multipart/form-data body with one `file` part. */
export function multipart(content: string | Buffer, filename = 'invoices.csv', field = 'file'): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----billow${randomUUID()}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n`),
    Buffer.isBuffer(content) ? content : Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export function upload(tenant: Tenant, content: string | Buffer, filename?: string): Promise<LightMyRequestResponse> {
  const { payload, headers } = multipart(content, filename);
  return tenant.request('POST', '/api/v1/files', payload, headers);
}

export async function uploaded(tenant: Tenant, content: string | Buffer): Promise<string> {
  const response = await upload(tenant, content);
  if (response.statusCode !== 201) throw new Error(`upload failed: ${response.statusCode} ${response.body}`);
  return (response.json() as { s3_key: string }).s3_key;
}

/** Uploads the CSV and posts it to POST /api/v1/invoices/bulk. */
export async function importCsv(tenant: Tenant, csv: string | Buffer, body: Json = {}, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const key = await uploaded(tenant, csv);
  return tenant.post('/api/v1/invoices/bulk', { s3_key: key, ...body }, headers);
}

/** A GST business (IN-MH, INR) with customers ct_a (IN-MH), ct_b (IN-KA) and ct_nostate, and item it_w (₹1,000.00 at 18%). */
export async function importTenant(env: TestEnv, overrides: Json = {}): Promise<Tenant> {
  const tenant = await createBusiness(env.app, overrides);
  await createCustomer(tenant, { id: 'ct_a', name: 'Acme', state: 'IN-MH' });
  await createCustomer(tenant, { id: 'ct_b', name: 'Beta', state: 'IN-KA' });
  await createCustomer(tenant, { id: 'ct_nostate', name: 'Stateless', state: null });
  await createItem(tenant, { id: 'it_w', name: 'Widget', unit_price: 100_000, tax_rate: 18 });
  return tenant;
}

/** CSV text from rows of cells (header first), joined with `eol`. */
export const csvOf = (rows: string[][], eol = '\n') => `${rows.map((r) => r.join(',')).join(eol)}${eol}`;

/** A line row in the HEADER's column order. */
export function line(ref: string, cells: Partial<Record<'customer_id' | 'due_date' | 'currency' | 'description' | 'item_id' | 'line_description' | 'quantity' | 'unit_price' | 'tax_rate' | 'place_of_supply', string>> = {}): string[] {
  const c = { customer_id: 'ct_a', due_date: DUE, currency: '', description: '', item_id: '', line_description: 'Service', quantity: '1', unit_price: '10.00', tax_rate: '18', place_of_supply: 'IN-MH', ...cells };
  return [ref, c.customer_id, c.due_date, c.currency, c.description, c.item_id, c.line_description, c.quantity, c.unit_price, c.tax_rate, c.place_of_supply];
}
