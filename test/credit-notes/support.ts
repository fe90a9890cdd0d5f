import type { Json } from '../helpers/app.ts';
import type { Tenant } from '../helpers/factories.ts';
import { ok } from '../invoicing/support.ts';

export const creditNote = (tenant: Tenant, invoiceId: string, body: Json) => tenant.post(`/api/v1/invoices/${invoiceId}/credit-notes`, body);
export const debitNote = (tenant: Tenant, invoiceId: string, body: Json) => tenant.post(`/api/v1/invoices/${invoiceId}/debit-notes`, body);
export const voidNote = (tenant: Tenant, id: string, kind = 'credit-notes') => tenant.post(`/api/v1/${kind}/${id}/void`);
export const getInvoice = async (tenant: Tenant, id: string): Promise<Json> => ok(await tenant.get(`/api/v1/invoices/${id}`));

/** Credit `quantity` of the invoice's first line, for a sales return. */
export function returnOf(invoice: Json, quantity: number | string, extra: Json = {}): Json {
  return { date: '2026-06-01', reason: 'sales_return', lines: [{ line_id: invoice.line_items[0].id, quantity }], ...extra };
}
