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
 * Every open document in the account's currency named by a word of one of the transactions
 * and dated on or before it: ONE query for the whole chunk. The lateral lookup with a limit
 * keeps it an index probe per word whatever the table statistics say (a hash join over all
 * open invoices cost 1.5 s per chunk at 100,000 of them); two hits for a word are enough to
 * know it is ambiguous.
 */
async function findCandidates(tx: Tx, businessId: string, account: BankAccountRow, transactions: BankTransactionRow[]) {
  const pairs = transactions.flatMap((t) => referenceTokens(t.description, t.reference).map((token) => ({ txn: t.id, token, kind: kindOf(t.amount), date: t.date })));
  if (pairs.length === 0) return [];
  const result = await sql<{ txn: string; token: string; id: string }>`
    select t.txn, t.token, c.id
    from json_to_recordset(${JSON.stringify(pairs)}::json) as t(txn text, token text, kind text, date date)
    cross join lateral (
      select i.id from invoices i
      where i.business_id = ${businessId}
        and upper(coalesce(i.bill_number, i.number)) = t.token
        and i.status in ('open', 'partially_paid')
        and i.kind = t.kind and i.currency = ${account.currency} and i.date <= t.date
      limit 2
    ) c`.execute(tx);
  return result.rows;
}

/**
 * The candidates locked, in id order (the order a manual match takes them in, so the two
 * never deadlock), and read again under the lock: a payment recorded since the lookup counts.
 */
async function lockCandidates(tx: Tx, businessId: string, ids: string[]): Promise<Map<string, Locked>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.selectFrom('invoices').selectAll().where('business_id', '=', businessId).where('id', '=', sql<string>`any(${ids}::text[])`).orderBy('id').forUpdate().execute();
  return new Map(rows.filter((r) => r.status === 'open' || r.status === 'partially_paid').map((r) => [r.id, r as Locked]));
}

/**
 * Auto-match of newly imported transactions (SPEC §13), inside the chunk's transaction:
 * money in pays the invoices it names when their balances add up to it exactly, money out
 * the bills. A document goes to the first line that claims it. Returns the matched ids.
 */
export async function autoMatch(tx: Tx, ctx: MatchContext, account: BankAccountRow, transactions: BankTransactionRow[]): Promise<Set<string>> {
  const hits = await findCandidates(tx, ctx.businessId, account, transactions);
  const documents = await lockCandidates(tx, ctx.businessId, [...new Set(hits.map((h) => h.id))]);
  const byTxn = new Map<string, Candidate[]>();
  for (const h of hits) {
    const row = documents.get(h.id);
    byTxn.set(h.txn, [...(byTxn.get(h.txn) ?? []), { documentId: h.id, token: h.token, balanceDue: row ? owedOn(row) - BigInt(row.total_paid) : 0n }]);
  }
  // A document paid in full since the lookup is taken: a line naming it stays unmatched.
  const taken = new Set(hits.filter((h) => !documents.has(h.id)).map((h) => h.id));
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
