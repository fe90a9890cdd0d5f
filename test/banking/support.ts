import type { LightMyRequestResponse } from 'fastify';
import type { Json, TestEnv } from '../helpers/app.ts';
import { createBusiness, createCustomer, createVendor, type Tenant } from '../helpers/factories.ts';
import { uploaded } from '../imports/support.ts';
import { ok, trialBalance } from '../invoicing/support.ts';

export { importApp } from '../imports/support.ts';
export { ok } from '../invoicing/support.ts';

/** A GST business with customer ct_acme (Acme Traders), vendor vd_paper and an INR bank account. */
export interface Bank {
  tenant: Tenant;
  account: Json;
}

export async function bankTenant(env: TestEnv): Promise<Bank> {
  const tenant = await createBusiness(env.app);
  await createCustomer(tenant, { id: 'ct_acme', name: 'Acme Traders', state: 'IN-MH' });
  await createCustomer(tenant, { id: 'ct_beta', name: 'Beta Stores', state: 'IN-MH' });
  await createVendor(tenant, { id: 'vd_paper', name: 'Paper Mill', state: 'IN-MH' });
  await createVendor(tenant, { id: 'vd_ink', name: 'Ink Works', state: 'IN-MH' });
  const account = ok(await tenant.post('/api/v1/bank-accounts', { name: 'HDFC Current', currency: 'INR', last4: '4321' }), 201);
  return { tenant, account };
}

/** An open invoice of `amount` paise (no tax) dated 2026-11-01; returns its view (number INV-…). */
export async function openInvoice(tenant: Tenant, amount: number, customer = 'ct_acme'): Promise<Json> {
  const draft = ok(await tenant.post('/api/v1/invoices', { customer_id: customer, date: '2026-11-01', place_of_supply: 'IN-MH', line_items: [{ name: 'Service', quantity: 1, unit_price: amount, tax_rate: 0 }] }), 201);
  return ok(await tenant.post(`/api/v1/invoices/${draft.id}/finalize`));
}

export async function openBill(tenant: Tenant, amount: number, billNumber: string, vendor = 'vd_paper'): Promise<Json> {
  const draft = ok(await tenant.post('/api/v1/bills', { vendor_id: vendor, bill_number: billNumber, date: '2026-11-01', line_items: [{ name: 'Paper', quantity: 1, unit_price: amount, tax_rate: 0 }] }), 201);
  return ok(await tenant.post(`/api/v1/bills/${draft.id}/approve`));
}

/** Uploads a statement and imports it into the bank account. */
export async function importStatement(bank: Bank, content: string | Buffer, body: Json = {}, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const key = await uploaded(bank.tenant, content);
  return bank.tenant.post(`/api/v1/bank-accounts/${bank.account.id}/statements`, { s3_key: key, ...body }, headers);
}

export async function transactions(bank: Bank, query = ''): Promise<Json[]> {
  return ok(await bank.tenant.get(`/api/v1/bank-transactions?bank_account_id=${bank.account.id}&limit=500${query}`)).items;
}

export const getInvoice = async (tenant: Tenant, id: string, kind = 'invoices') => ok(await tenant.get(`/api/v1/${kind}/${id}`));

/** Every currency section of the trial balance balances. */
export async function trialBalanceIsZero(tenant: Tenant): Promise<boolean> {
  const tb = await trialBalance(tenant);
  return (tb.currencies as Json[]).every((c) => c.balanced && c.total_debit === c.total_credit);
}

/** A CSV statement in the default columns. */
export const csvStatement = (rows: string[][]) => `date,amount,description,reference,transaction_id,balance\n${rows.map((r) => r.join(',')).join('\n')}\n`;
