import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Json, TestEnv } from '../helpers/app.ts';
import { type BusinessOverrides, createBusiness, createCustomer, createItem, type Tenant } from '../helpers/factories.ts';

export { eventsOf, expect422, expectDetail, type StoredEvent } from '../helpers/assertions.ts';
import { injectFault } from '../helpers/faults.ts';

export function ok(response: LightMyRequestResponse, status = 200): Json {
  expect(response.statusCode, response.body).toBe(status);
  return response.json();
}

/** The default GST tenant (IN-MH) with one intra-state customer and one 18% item. */
export interface Shop {
  tenant: Tenant;
  customer: Json;
  item: Json;
}

export async function shop(env: TestEnv, overrides: BusinessOverrides = {}): Promise<Shop> {
  const tenant = await createBusiness(env.app, overrides);
  const customer = await createCustomer(tenant, { id: 'ct_acme', name: 'Acme Ltd', email: 'billing@acme.test' });
  const item = await createItem(tenant, { id: 'it_widget', name: 'Widget', description: 'A blue widget', unit_price: 100_000, tax_rate: 18, hsn_code: '8471' });
  return { tenant, customer, item };
}

/** A minimal valid invoice body for `shop()`: one widget, intra-state. */
export function invoiceBody(extra: Json = {}): Json {
  return { customer_id: 'ct_acme', date: '2026-05-12', place_of_supply: 'IN-MH', line_items: [{ item_id: 'it_widget', quantity: 1 }], ...extra };
}

export async function createInvoice(tenant: Tenant, body: Json): Promise<Json> {
  return ok(await tenant.post('/api/v1/invoices', body), 201);
}

export const finalize = (tenant: Tenant, id: string) => tenant.post(`/api/v1/invoices/${id}/finalize`);
export const voidInvoice = (tenant: Tenant, id: string) => tenant.post(`/api/v1/invoices/${id}/void`);
export const pay = (tenant: Tenant, id: string, body: Json) => tenant.post(`/api/v1/invoices/${id}/payments`, body);

export async function openInvoice(tenant: Tenant, body: Json): Promise<Json> {
  const draft = await createInvoice(tenant, body);
  return ok(await finalize(tenant, draft.id));
}

export interface EntryLine {
  account_code: string;
  debit: number;
  credit: number;
}

/** `{account: signed amount}` of an entry, debit positive: easy to compare whole postings. */
export function postings(entry: { lines: EntryLine[] }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of entry.lines) out[line.account_code] = (out[line.account_code] ?? 0) + line.debit - line.credit;
  return out;
}

export function balances(entry: { lines: EntryLine[] }): boolean {
  const debit = entry.lines.reduce((s, l) => s + l.debit, 0);
  const credit = entry.lines.reduce((s, l) => s + l.credit, 0);
  return debit === credit && debit > 0;
}

export async function trialBalance(tenant: Tenant, asOf?: string): Promise<Json> {
  return ok(await tenant.get(`/api/v1/reports/trial-balance${asOf ? `?as_of=${asOf}` : ''}`));
}

/** Balance (debit − credit) of one account in one currency section; 0 when absent. */
export function accountBalance(tb: Json, currency: string, code: string): number {
  const section = (tb.currencies as Json[]).find((c) => c.currency === currency);
  const account = section?.accounts.find((a: Json) => a.code === code);
  return account ? account.balance : 0;
}

/** A finalize of an invoice whose reference is the marker dies after its number was reserved. */
export const installFailingTrigger = (env: TestEnv) => injectFault(env, 'update');

export const INVOICE_RESPONSE_FIELDS = [
  'id',
  'business_id',
  'created_at',
  'updated_at',
  'status',
  'currency',
  'stripe_invoice_id',
  'total',
  'total_paid',
  'balance_due',
  'description',
  'customer_id',
  'customer_name',
  'customer_email',
  'due_date',
  'line_items',
  'pdf_url',
  'number',
  'delivered',
  'delivered_on',
  'hosted_invoice_url',
  'paid_on',
  'journal_entries',
  'payments',
  'recurring_template_id',
  'date',
  'place_of_supply',
  'subtotal',
  'tax_total',
  'cgst',
  'sgst',
  'igst',
  'tax',
  'order_id',
  'import_id',
  'entity_id',
] as const;
