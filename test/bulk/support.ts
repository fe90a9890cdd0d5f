import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Json } from '../helpers/app.ts';
import { createCustomer, createItem, createVendor, type Tenant } from '../helpers/factories.ts';

/** The seeds/000 example date: a date-time whose date part is used. */
export const DATE = '2026-05-12T00:00:00';

export const withKey = (key: string) => ({ 'idempotency-key': key });

/** A tenant with one customer, one vendor and one item (GST business in IN-MH by default). */
export interface Fixture {
  tenant: Tenant;
  customer: Json;
  vendor: Json;
  item: Json;
}

export async function fixture(tenant: Tenant): Promise<Fixture> {
  const [customer, vendor, item] = await Promise.all([
    createCustomer(tenant, { payment_terms_days: 30 }),
    createVendor(tenant),
    createItem(tenant, { description: 'Standard widget' }),
  ]);
  return { tenant, customer, vendor, item };
}

/** A valid invoice entry for /bulk/invoices: one line auto-filled from the item. */
export function invoiceEntry(f: Fixture, extra: Json = {}): Json {
  return {
    customer_id: f.customer.id,
    date: DATE,
    place_of_supply: 'IN-MH',
    line_items: [{ item_id: f.item.id, quantity: 1 }],
    ...extra,
  };
}

export function billEntry(f: Fixture, billNumber: string, extra: Json = {}): Json {
  return {
    vendor_id: f.vendor.id,
    bill_number: billNumber,
    date: DATE,
    line_items: [{ item_id: f.item.id, quantity: 1 }],
    ...extra,
  };
}

/** Number of documents of the tenant, as the native API reports them. */
export async function countDocuments(tenant: Tenant, resource: 'invoices' | 'bills'): Promise<number> {
  const response = await tenant.get(`/api/v1/${resource}?include_total=true&limit=1`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { total: number }).total;
}

/** Every document of the tenant, through keyset pages of 500. */
export async function listDocuments(tenant: Tenant, resource: 'invoices' | 'bills'): Promise<Json[]> {
  const all: Json[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const response = await tenant.get(`/api/v1/${resource}?limit=500${query}`);
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json() as { items: Json[]; next_cursor: string | null; has_next: boolean };
    all.push(...page.items);
    cursor = page.has_next ? page.next_cursor : null;
  } while (cursor);
  return all;
}

/** A 200 per-item bulk response; checks the envelope and returns the body. */
export function expectBulkOk(response: LightMyRequestResponse, plural: 'invoices' | 'bills', total: number, succeeded: number): Json {
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json() as Json;
  expect(Object.keys(body).sort()).toEqual(['code', 'message', 'results', 'summary']);
  expect(body.code).toBe(0);
  expect(body.message).toBe(`${succeeded} of ${total} ${plural} created.`);
  expect(body.summary).toEqual({ total, succeeded, failed: total - succeeded });
  expect(body.results).toHaveLength(total);
  const kind = plural === 'invoices' ? 'invoice' : 'bill';
  for (const result of body.results as Json[]) {
    if (result.ok) {
      expect(Object.keys(result).sort()).toEqual([kind, 'ok']);
      expect(result[kind].object).toBe(kind);
    } else {
      expect(Object.keys(result).sort()).toEqual(['error', 'ok']);
      expect(Object.keys(result.error).sort()).toEqual(['code', 'field', 'message']);
      expect(typeof result.error.message).toBe('string');
      expect(result.error.message.length).toBeGreaterThan(0);
    }
  }
  expect((body.results as Json[]).filter((r) => r.ok)).toHaveLength(succeeded);
  return body;
}

/** A request-level error on the bulk surface: `{"code": status, "message", "error": {code, message, field}}`. */
export function expectBulkError(response: LightMyRequestResponse, status: number, code?: string, field?: string | null): Json {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json() as Json;
  expect(Object.keys(body).sort()).toEqual(['code', 'error', 'message', 'request_id']);
  expect(body.request_id).toBe(response.headers['x-request-id']);
  expect(body.code).toBe(status);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'field', 'message']);
  expect(typeof body.error.code).toBe('string');
  expect(body.error.code).toMatch(/^[a-z_]+\.[a-z_]+$/);
  expect(typeof body.error.message).toBe('string');
  if (code !== undefined) expect(body.error.code).toBe(code);
  if (field !== undefined) expect(body.error.field).toBe(field);
  return body;
}

/** The counter of an invoice number: its trailing digits (prefix and fiscal year come first). */
export function counterOf(number: string): number {
  const match = /(\d+)$/.exec(number);
  if (!match?.[1]) throw new Error(`no counter in invoice number '${number}'`);
  return Number(match[1]);
}

/** Sum of debits and credits of a journal entry as the API shows it. */
export function entrySums(entry: Json): { debit: number; credit: number } {
  const lines = entry.lines as { debit: number; credit: number }[];
  return { debit: lines.reduce((s, l) => s + l.debit, 0), credit: lines.reduce((s, l) => s + l.credit, 0) };
}

export { eventsOf } from '../helpers/assertions.ts';
