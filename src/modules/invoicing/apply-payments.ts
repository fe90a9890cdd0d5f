import { sql } from 'kysely';
import type { InvoiceKind, InvoiceRow } from '../../db/schema.ts';
import { insertRows } from '../../db/insert-rows.ts';
import { toSafeNumber } from '../../domain/decimal.ts';
import { invalid } from '../../domain/errors.ts';
import { applyPayment, type InvoiceStatus, type PaymentSource } from '../../domain/invoice-state.ts';
import { ACCOUNTS, billPaymentLines, invoicePaymentLines } from '../../domain/ledger.ts';
import { uuidv7 } from '../../ids.ts';
import type { Context, Tx } from '../context.ts';
import { emitEvents, type OutboxEvent } from '../events/outbox.ts';
import { postEntries } from '../ledger/journal.ts';
import { loadDocuments } from './read.ts';
import type { JournalEntryDraft } from './types.ts';
import type { DocumentView } from './view.ts';
import { eventPrefix } from './write.ts';

const PAYMENT_COLUMNS = {
  business_id: 'text',
  id: 'text',
  invoice_id: 'text',
  amount: 'bigint',
  paid_on: 'date',
  source: 'text',
  reference: 'text',
  journal_entry_id: 'text',
  created_at: 'timestamptz',
  bank_transaction_id: 'text',
} as const;

export interface PaymentRow {
  business_id: string;
  id: string;
  invoice_id: string;
  amount: number;
  paid_on: string;
  source: PaymentSource | 'credit';
  reference: string | null;
  journal_entry_id: string;
  created_at: string;
  bank_transaction_id?: string | null;
}

/** A document's paid state after payments (or their reversal). */
export interface PaidState {
  id: string;
  status: InvoiceStatus;
  total_paid: number;
  paid_on: string | null;
}

/** Writes payment rows and the documents' new paid state: two set-based statements. */
export async function savePayments(tx: Tx, businessId: string, now: string, payments: PaymentRow[], states: PaidState[]): Promise<void> {
  await insertRows(tx, 'payments', PAYMENT_COLUMNS, payments.map((p) => ({ bank_transaction_id: null, ...p })));
  await savePaidStates(tx, businessId, now, states);
}

export async function savePaidStates(tx: Tx, businessId: string, now: string, states: PaidState[]): Promise<void> {
  if (states.length === 0) return;
  await sql`
    update invoices i set status = r.status, total_paid = r.total_paid, paid_on = r.paid_on, updated_at = ${now}::timestamptz
    from json_to_recordset(${JSON.stringify(states)}::json) as r(id text, status text, total_paid bigint, paid_on timestamptz)
    where i.business_id = ${businessId} and i.id = r.id`.execute(tx);
}

/** One payment of a document the caller holds locked. */
export interface PaymentToApply {
  row: InvoiceRow & { status: InvoiceStatus };
  amount: bigint;
  paidOn: string;
  source: PaymentSource;
  reference: string | null;
  /** The bank transaction it came from and that bank's ledger account (Dr for invoices, Cr for bills). */
  bank?: { transactionId: string; accountCode: string } | undefined;
}

/** What is owed to be fully paid: debit notes add to it, credits of unpaid amounts take from it. */
export const owedOn = (row: InvoiceRow) => BigInt(row.total) + BigInt(row.amount_debited) - BigInt(row.credit_pre_payment);

/**
 * Records payments of documents of one kind, inside the caller's transaction, with their rows
 * locked by the caller: each is checked by the domain state machine against the balance as
 * it stands under the lock (a payment recorded meanwhile counts), then Dr Bank (or the bank
 * account's own ledger account) / Cr AR — bills Dr AP / Cr Bank — and the payment rows, the
 * documents' states and their events are written set-based. Returns the documents' views.
 */
export async function applyPayments(tx: Tx, ctx: Pick<Context, 'businessId' | 'clock' | 'baseUrl'>, kind: InvoiceKind, payments: PaymentToApply[]): Promise<DocumentView[]> {
  const now = ctx.clock().toISOString();
  const states = new Map<string, PaidState>();
  const entries: JournalEntryDraft[] = [];
  const rows: PaymentRow[] = [];
  const paid = new Set<string>();
  for (const p of payments) {
    if (p.paidOn < p.row.date) throw invalid(`paid_on must not be before the ${kind} date (${p.row.date}).`, 'paid_on');
    const before = states.get(p.row.id);
    const next = applyPayment({ status: before?.status ?? p.row.status, total: owedOn(p.row), totalPaid: BigInt(before?.total_paid ?? p.row.total_paid), amount: p.amount, currency: p.row.currency, source: p.source, kind });
    states.set(p.row.id, { id: p.row.id, status: next.status, total_paid: toSafeNumber(next.totalPaid, 'amount'), paid_on: next.fullyPaid ? `${p.paidOn}T00:00:00.000Z` : null });
    if (next.fullyPaid) paid.add(p.row.id);
    const bank = p.bank?.accountCode ?? ACCOUNTS.bank;
    const entryId = uuidv7();
    const label = kind === 'invoice' ? `invoice ${p.row.number}` : `bill ${p.row.bill_number}`;
    const lines = kind === 'invoice' ? invoicePaymentLines(p.amount, bank) : billPaymentLines(p.amount, bank);
    entries.push({ id: entryId, invoiceId: p.row.id, kind: `${kind}_payment`, memo: `Payment for ${label}`, currency: p.row.currency, date: p.paidOn, createdAt: now, lines });
    rows.push({ business_id: ctx.businessId, id: uuidv7(), invoice_id: p.row.id, amount: toSafeNumber(p.amount, 'amount'), paid_on: p.paidOn, source: p.source, reference: p.reference, journal_entry_id: entryId, created_at: now, bank_transaction_id: p.bank?.transactionId ?? null });
  }
  await postEntries(tx, ctx.businessId, entries);
  await savePayments(tx, ctx.businessId, now, rows, [...states.values()]);
  const views = await loadDocuments(tx, ctx.businessId, kind, [...states.keys()], ctx.baseUrl);
  const byId = new Map(views.map((v) => [v.id, v]));
  const prefix = eventPrefix(kind);
  const events: OutboxEvent[] = payments.map((p) => ({ type: `${prefix}_PAYMENT_CREATED`, data: byId.get(p.row.id) }));
  for (const id of paid) events.push({ type: `${prefix}_PAID`, data: byId.get(id) });
  await emitEvents(tx, ctx.businessId, now, events);
  return views;
}
