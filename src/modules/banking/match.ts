import { sql } from 'kysely';
import type { BankTransactionRow, InvoiceKind, InvoiceRow } from '../../db/schema.ts';
import { DomainError, invalid, notFound } from '../../domain/errors.ts';
import type { InvoiceStatus } from '../../domain/invoice-state.ts';
import { reversalLines } from '../../domain/ledger.ts';
import { uuidv7 } from '../../ids.ts';
import { type Context, type Tx, transact } from '../context.ts';
import { emitEvents } from '../events/outbox.ts';
import { applyPayments, owedOn, savePaidStates } from '../invoicing/apply-payments.ts';
import type { JournalEntryDraft } from '../invoicing/types.ts';
import { postEntries } from '../ledger/journal.ts';
import { getBankAccount } from './accounts.ts';
import { bankPayment, kindOf } from './auto-match.ts';
import { type BankTransactionView, getTransaction, lockTransaction, markMatched, setStatus, transactionViews } from './transactions.ts';

export interface AllocationInput {
  invoice_id?: string | undefined;
  bill_id?: string | undefined;
  amount: number;
}

type Locked = InvoiceRow & { status: InvoiceStatus };

/** Locks documents of one kind in id order (the order every match takes them in: no deadlock). */
async function lockDocuments(tx: Tx, businessId: string, kind: InvoiceKind, ids: string[]): Promise<Map<string, Locked>> {
  const rows = await tx.selectFrom('invoices').selectAll().where('business_id', '=', businessId).where('kind', '=', kind).where('id', '=', sql<string>`any(${ids}::text[])`).orderBy('id').forUpdate().execute();
  return new Map(rows.map((r) => [r.id, r as Locked]));
}

function requireStatus(row: BankTransactionRow, status: BankTransactionRow['status'], action: string): void {
  if (row.status !== status) throw new DomainError('state.invalid', `Cannot ${action} a bank transaction that is ${row.status}.`);
}

/** Which document each allocation pays: money in pays invoices, money out bills. */
function targets(t: BankTransactionRow, allocations: AllocationInput[]): string[] {
  const kind = kindOf(t.amount);
  const key = kind === 'invoice' ? 'invoice_id' : 'bill_id';
  const other = kind === 'invoice' ? 'bill_id' : 'invoice_id';
  const ids = allocations.map((a, i) => {
    if (a[other] !== undefined) throw invalid(`Money ${kind === 'invoice' ? 'in pays invoices' : 'out pays bills'}: give ${key}, not ${other}.`, `allocations[${i}].${other}`);
    const id = a[key];
    if (id === undefined) throw invalid(`Field '${key}' is required.`, `allocations[${i}].${key}`);
    return id;
  });
  const repeated = ids.findIndex((id, i) => ids.indexOf(id) !== i);
  if (repeated >= 0) throw invalid('Each document may appear once; add the amounts up.', `allocations[${repeated}].${key}`);
  const sum = allocations.reduce((s, a) => s + BigInt(a.amount), 0n);
  if (sum !== BigInt(Math.abs(t.amount))) throw invalid(`The allocations add up to ${sum}; they must add up to the transaction's amount, ${Math.abs(t.amount)}.`, 'allocations');
  return ids;
}

/**
 * Manual match (SPEC §13): the transaction pays the given documents, partially or in full;
 * Σ amounts = the transaction's amount. One transaction: the bank line and the documents
 * are locked, each balance is re-checked under its lock (a payment recorded meanwhile is
 * never overpaid), then the payments post Dr the bank's ledger account / Cr AR.
 */
export async function matchTransaction(ctx: Context, id: string, allocations: AllocationInput[]): Promise<BankTransactionView> {
  return transact(ctx, async (tx) => {
    const t = await lockTransaction(tx, ctx.businessId, id);
    requireStatus(t, 'unmatched', 'match');
    const ids = targets(t, allocations);
    const kind = kindOf(t.amount);
    const account = await getBankAccount(tx, ctx.businessId, t.bank_account_id);
    const documents = await lockDocuments(tx, ctx.businessId, kind, ids);
    const payments = allocations.map((a, i) => {
      const row = documents.get(ids[i] as string);
      const field = `allocations[${i}].${kind === 'invoice' ? 'invoice_id' : 'bill_id'}`;
      if (!row) throw notFound(kind === 'invoice' ? 'Invoice' : 'Bill', ids[i] as string, field);
      if (row.currency !== t.currency) throw invalid(`The ${kind} is in ${row.currency}, the bank transaction in ${t.currency}.`, field);
      const balance = owedOn(row) - BigInt(row.total_paid);
      if (BigInt(a.amount) > balance) throw invalid(`Amount exceeds the balance due (${balance}) of ${kind} ${row.number ?? row.bill_number ?? row.id}.`, `allocations[${i}].amount`);
      return bankPayment(row, BigInt(a.amount), t, account);
    });
    await applyPayments(tx, ctx, kind, payments);
    await markMatched(tx, ctx, [{ transaction: t, allocations: payments.map((p) => ({ documentId: p.row.id, amount: p.amount })) }]);
    return getTransaction(tx, ctx.businessId, id);
  });
}

interface LinkedPayment {
  id: string;
  invoice_id: string;
  amount: number;
  paid_on: string;
  journal_entry_id: string;
}

/** Reverses a matched transaction's payments: reversing journal entries, payments removed, documents' paid state restored. */
async function reversePayments(tx: Tx, ctx: Context, t: BankTransactionRow, now: string): Promise<LinkedPayment[]> {
  const kind = kindOf(t.amount);
  const payments = await tx.selectFrom('payments').select(['id', 'invoice_id', 'amount', 'paid_on', 'journal_entry_id']).where('business_id', '=', ctx.businessId).where('bank_transaction_id', '=', t.id).orderBy('id').execute();
  const documents = await lockDocuments(tx, ctx.businessId, kind, payments.map((p) => p.invoice_id));
  const lines = await tx.selectFrom('journal_lines').select(['entry_id', 'account_code', 'debit', 'credit']).where('business_id', '=', ctx.businessId).where('entry_id', '=', sql<string>`any(${payments.map((p) => p.journal_entry_id)}::text[])`).orderBy('entry_id').orderBy('line_no').execute();
  const entries: JournalEntryDraft[] = payments.map((p) => {
    const posted = lines.filter((l) => l.entry_id === p.journal_entry_id).map((l) => ({ account: l.account_code, debit: BigInt(l.debit), credit: BigInt(l.credit) }));
    const row = documents.get(p.invoice_id) as Locked;
    const label = kind === 'invoice' ? `invoice ${row.number}` : `bill ${row.bill_number}`;
    // Dated as the payment it cancels, so the ledger as of any date agrees with the bank line being unmatched.
    return { id: uuidv7(), invoiceId: p.invoice_id, kind: `${kind}_payment_reversal`, memo: `Reversal of a payment for ${label}: bank transaction unmatched`, currency: row.currency, date: p.paid_on, createdAt: now, lines: reversalLines(posted) };
  });
  await postEntries(tx, ctx.businessId, entries);
  await tx.deleteFrom('payments').where('business_id', '=', ctx.businessId).where('bank_transaction_id', '=', t.id).execute();
  const paidBack = new Map<string, number>();
  for (const p of payments) paidBack.set(p.invoice_id, (paidBack.get(p.invoice_id) ?? 0) + p.amount);
  const states = [...paidBack].map(([docId, amount]) => {
    const totalPaid = (documents.get(docId) as Locked).total_paid - amount;
    return { id: docId, status: (totalPaid === 0 ? 'open' : 'partially_paid') as InvoiceStatus, total_paid: totalPaid, paid_on: null };
  });
  await savePaidStates(tx, ctx.businessId, now, states);
  return payments;
}

/**
 * Unmatch: a matched transaction's payments are reversed (their journal entries by exact
 * reversals) and the documents' balances and statuses are as before; an ignored one is
 * simply unmatched again. One transaction, with BANK_TRANSACTION_UNMATCHED.
 */
export async function unmatchTransaction(ctx: Context, id: string): Promise<BankTransactionView> {
  return transact(ctx, async (tx) => {
    const t = await lockTransaction(tx, ctx.businessId, id);
    if (t.status === 'unmatched') throw new DomainError('state.invalid', 'The bank transaction is not matched.');
    const now = ctx.clock().toISOString();
    const reversed = t.status === 'matched' ? await reversePayments(tx, ctx, t, now) : [];
    await setStatus(tx, ctx.businessId, [t.id], 'unmatched', now);
    const [view] = await transactionViews(tx, ctx.businessId, [{ ...t, status: 'unmatched', updated_at: now }]);
    const data = { ...view, reversed: reversed.map((p) => ({ payment_id: p.id, document_id: p.invoice_id, amount: p.amount })) };
    await emitEvents(tx, ctx.businessId, now, [{ type: 'BANK_TRANSACTION_UNMATCHED', data }]);
    return view as BankTransactionView;
  });
}

/** Ignore: a line that pays no invoice or bill (bank fees, transfers between own accounts). */
export async function ignoreTransaction(ctx: Context, id: string): Promise<BankTransactionView> {
  return transact(ctx, async (tx) => {
    const t = await lockTransaction(tx, ctx.businessId, id);
    requireStatus(t, 'unmatched', 'ignore');
    const now = ctx.clock().toISOString();
    await setStatus(tx, ctx.businessId, [t.id], 'ignored', now);
    return getTransaction(tx, ctx.businessId, id);
  });
}
