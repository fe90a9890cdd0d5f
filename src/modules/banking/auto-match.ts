import { sql } from 'kysely';
import type { BankAccountRow, BankTransactionRow, InvoiceKind, InvoiceRow } from '../../db/schema.ts';
import { type Allocation, autoAllocate, type Candidate, referenceTokens } from '../../domain/bank-statement.ts';
import type { InvoiceStatus } from '../../domain/invoice-state.ts';
import type { Context, Tx } from '../context.ts';
import { applyPayments, owedOn, type PaymentToApply } from '../invoicing/apply-payments.ts';
import { markMatched } from './transactions.ts';

type Locked = InvoiceRow & { status: InvoiceStatus };
export type MatchContext = Pick<Context, 'businessId' | 'clock' | 'baseUrl'>;

export const kindOf = (amount: number): InvoiceKind => (amount > 0 ? 'invoice' : 'bill');

/**
 * Every open document in the account's currency named by a word of one of the transactions,
 * dated on or before it, locked (in id order, so concurrent matches never deadlock): ONE
 * query for the whole chunk, on the open-number index.
 */
async function lockCandidates(tx: Tx, businessId: string, account: BankAccountRow, transactions: BankTransactionRow[]) {
  const pairs = transactions.flatMap((t) => referenceTokens(t.description, t.reference).map((token) => ({ txn: t.id, token, kind: kindOf(t.amount), date: t.date })));
  if (pairs.length === 0) return [];
  const result = await sql<Locked & { txn: string; token: string }>`
    select t.txn, t.token, i.*
    from json_to_recordset(${JSON.stringify(pairs)}::json) as t(txn text, token text, kind text, date date)
    join invoices i on i.business_id = ${businessId}
      and upper(coalesce(i.bill_number, i.number)) = t.token
      and i.status in ('open', 'partially_paid')
      and i.kind = t.kind and i.currency = ${account.currency} and i.date <= t.date
    order by i.id
    for update of i`.execute(tx);
  return result.rows;
}

/**
 * Auto-match of newly imported transactions (SPEC §13), inside the chunk's transaction:
 * money in pays the invoices it names when their balances add up to it exactly, money out
 * the bills. A document goes to the first line that claims it. Returns the matched ids.
 */
export async function autoMatch(tx: Tx, ctx: MatchContext, account: BankAccountRow, transactions: BankTransactionRow[]): Promise<Set<string>> {
  const rows = await lockCandidates(tx, ctx.businessId, account, transactions);
  const documents = new Map<string, Locked>(rows.map((r) => [r.id, r]));
  const byTxn = new Map<string, Candidate[]>();
  for (const r of rows) byTxn.set(r.txn, [...(byTxn.get(r.txn) ?? []), { documentId: r.id, token: r.token, balanceDue: owedOn(r) - BigInt(r.total_paid) }]);
  const taken = new Set<string>();
  const payments: Record<InvoiceKind, PaymentToApply[]> = { invoice: [], bill: [] };
  const matched: { transaction: BankTransactionRow; allocations: Allocation[] }[] = [];
  for (const t of transactions) {
    const allocations = autoAllocate(BigInt(Math.abs(t.amount)), byTxn.get(t.id) ?? [], taken);
    if (!allocations) continue;
    for (const a of allocations) {
      taken.add(a.documentId);
      payments[kindOf(t.amount)].push(bankPayment(documents.get(a.documentId) as Locked, a.amount, t, account));
    }
    matched.push({ transaction: t, allocations });
  }
  await applyPayments(tx, ctx, 'invoice', payments.invoice);
  await applyPayments(tx, ctx, 'bill', payments.bill);
  await markMatched(tx, ctx, matched);
  return new Set(matched.map((m) => m.transaction.id));
}

/** A payment of a document from a bank statement line: dated as the line, posted to that bank's ledger account. */
export function bankPayment(row: Locked, amount: bigint, t: BankTransactionRow, account: BankAccountRow): PaymentToApply {
  return { row, amount, paidOn: t.date, source: 'manual', reference: (t.reference ?? t.description).slice(0, 200) || null, bank: { transactionId: t.id, accountCode: account.account_code } };
}
