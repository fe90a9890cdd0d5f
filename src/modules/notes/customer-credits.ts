import { sql } from 'kysely';
import { uuidv7 } from '../../ids.ts';
import type { InvoiceRow } from '../../db/schema.ts';
import { creditAppliedLines } from '../../domain/ledger.ts';
import type { Db, Tx } from '../context.ts';
import type { OutboxEvent } from '../events/outbox.ts';
import { postEntries } from '../ledger/journal.ts';
import { savePayments } from '../invoicing/apply-payments.ts';
import type { JournalEntryDraft } from '../invoicing/types.ts';
import type { DocumentView, PaymentView } from '../invoicing/view.ts';

const pairKey = (customerId: string, currency: string) => `${customerId}\u0000${currency}`;

/** Adds to customers' credit balances (one statement; one row per customer and currency). */
export async function addCustomerCredits(tx: Tx, businessId: string, credits: { customerId: string; currency: string; amount: bigint }[], now: string): Promise<void> {
  const sums = new Map<string, { customer_id: string; currency: string; balance: number }>();
  for (const c of credits.filter((x) => x.amount > 0n)) {
    const key = pairKey(c.customerId, c.currency);
    const row = sums.get(key) ?? { customer_id: c.customerId, currency: c.currency, balance: 0 };
    row.balance += Number(c.amount);
    sums.set(key, row);
  }
  if (sums.size === 0) return;
  await sql`
    insert into customer_credits (business_id, customer_id, currency, balance, updated_at)
    select ${businessId}, r.customer_id, r.currency, r.balance, ${now}::timestamptz
    from json_to_recordset(${JSON.stringify([...sums.values()])}::json) as r(customer_id text, currency text, balance bigint)
    on conflict (business_id, customer_id, currency)
    do update set balance = customer_credits.balance + excluded.balance, updated_at = excluded.updated_at`.execute(tx);
}

/** Takes back a voided note's credit; false when the customer no longer holds it (it was applied). */
export async function takeBackCustomerCredit(tx: Tx, businessId: string, customerId: string, currency: string, amount: bigint, now: string): Promise<boolean> {
  const result = await tx
    .updateTable('customer_credits')
    .set({ balance: sql`balance - ${Number(amount)}`, updated_at: now })
    .where('business_id', '=', businessId)
    .where('customer_id', '=', customerId)
    .where('currency', '=', currency)
    .where('balance', '>=', Number(amount))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface CreditApplication {
  invoiceId: string;
  status: 'manual_paid' | 'partially_paid';
  totalPaid: number;
  paidOn: string | null;
  payment: PaymentView;
  entry: JournalEntryDraft;
  event: OutboxEvent;
}

interface Allocation {
  invoice: InvoiceRow;
  amount: bigint;
  remaining: bigint;
}

function allocate(invoices: InvoiceRow[], balances: Map<string, bigint>): Allocation[] {
  const allocations: Allocation[] = [];
  for (const invoice of invoices) {
    const key = pairKey(invoice.customer_id as string, invoice.currency);
    const available = balances.get(key) ?? 0n;
    const owed = BigInt(invoice.total) - BigInt(invoice.total_paid);
    const amount = available < owed ? available : owed;
    if (amount <= 0n) continue;
    balances.set(key, available - amount);
    allocations.push({ invoice, amount, remaining: available - amount });
  }
  return allocations;
}

function application(a: Allocation, now: string): CreditApplication {
  const { invoice, amount } = a;
  const today = now.slice(0, 10);
  // An invoice dated ahead is paid on its own date, never before it.
  const paidOn = [today, invoice.date].sort()[1] as string;
  const totalPaid = invoice.total_paid + Number(amount);
  const settled = totalPaid === invoice.total;
  const entry: JournalEntryDraft = {
    id: uuidv7(),
    invoiceId: invoice.id,
    kind: 'customer_credit_applied',
    memo: `Customer credit applied to invoice ${invoice.number}`,
    currency: invoice.currency,
    date: paidOn,
    createdAt: now,
    lines: creditAppliedLines(amount),
  };
  const payment: PaymentView = { id: uuidv7(), amount: Number(amount), paid_on: paidOn, source: 'credit', reference: null, created_at: now, bank_transaction_id: null };
  const data = { customer_id: invoice.customer_id, currency: invoice.currency, invoice_id: invoice.id, invoice_number: invoice.number, amount: Number(amount), credit_balance: Number(a.remaining) };
  return {
    invoiceId: invoice.id,
    status: settled ? 'manual_paid' : 'partially_paid',
    totalPaid,
    paidOn: settled ? `${paidOn}T00:00:00.000Z` : null,
    payment,
    entry,
    event: { type: 'CUSTOMER_CREDIT_APPLIED', data },
  };
}

async function lockBalances(tx: Tx, businessId: string, invoices: InvoiceRow[]): Promise<Map<string, bigint>> {
  const rows = await sql<{ customer_id: string; currency: string; balance: number }>`
    select customer_id, currency, balance from customer_credits
    where business_id = ${businessId} and balance > 0
      and (customer_id, currency) in (select * from unnest(${invoices.map((i) => i.customer_id)}::text[], ${invoices.map((i) => i.currency)}::text[]))
    order by customer_id, currency
    for update`.execute(tx);
  return new Map(rows.rows.map((r) => [pairKey(r.customer_id, r.currency), BigInt(r.balance)]));
}

/**
 * Applies customers' credit balances to invoices just finalized, in order: Dr Customer
 * credits / Cr AR, recorded as a payment with source 'credit'. Set-based: one query finds
 * the balances (locked: documents, then counters, then balances), then one statement per
 * table. Returns what changed so callers can show it.
 */
export async function applyCustomerCredits(tx: Tx, businessId: string, invoices: InvoiceRow[], now: string): Promise<CreditApplication[]> {
  const targets = invoices.filter((i) => i.kind === 'invoice' && i.customer_id !== null && i.total > i.total_paid);
  if (targets.length === 0) return [];
  const balances = await lockBalances(tx, businessId, targets);
  if (balances.size === 0) return [];
  const applied = allocate(targets, balances).map((a) => application(a, now));
  const left = [...balances].map(([key, balance]) => {
    const [customer_id, currency] = key.split('\u0000');
    return { customer_id, currency, balance: Number(balance) };
  });
  await sql`
    update customer_credits c set balance = r.balance, updated_at = ${now}::timestamptz
    from json_to_recordset(${JSON.stringify(left)}::json) as r(customer_id text, currency text, balance bigint)
    where c.business_id = ${businessId} and c.customer_id = r.customer_id and c.currency = r.currency`.execute(tx);
  await postEntries(tx, businessId, applied.map((a) => a.entry));
  const payments = applied.map((a) => ({ business_id: businessId, ...a.payment, invoice_id: a.invoiceId, journal_entry_id: a.entry.id }));
  const states = applied.map((a) => ({ id: a.invoiceId, status: a.status, total_paid: a.totalPaid, paid_on: a.paidOn }));
  await savePayments(tx, businessId, now, payments, states);
  return applied;
}

/**
 * The events of credit applications, each followed by INVOICE_PAID when the credit settled
 * its invoice (as a payment's INVOICE_PAYMENT_CREATED is); `viewOf` gives the invoice after it.
 */
export function creditEvents(applied: CreditApplication[], viewOf: (invoiceId: string) => DocumentView): OutboxEvent[] {
  return applied.flatMap((a) => [a.event, ...(a.status === 'manual_paid' ? [{ type: 'INVOICE_PAID', data: viewOf(a.invoiceId) }] : [])]);
}

/** Credit balances of customers, per currency ({} when none). */
export async function creditBalances(db: Db | Tx, businessId: string, customerIds: string[]): Promise<Map<string, Record<string, number>>> {
  const balances = new Map<string, Record<string, number>>();
  if (customerIds.length === 0) return balances;
  const rows = await db
    .selectFrom('customer_credits')
    .select(['customer_id', 'currency', 'balance'])
    .where('business_id', '=', businessId)
    .where('customer_id', '=', sql<string>`any(${customerIds}::text[])`)
    .where('balance', '>', 0)
    .orderBy('currency')
    .execute();
  for (const r of rows) balances.set(r.customer_id, { ...(balances.get(r.customer_id) ?? {}), [r.currency]: r.balance });
  return balances;
}
