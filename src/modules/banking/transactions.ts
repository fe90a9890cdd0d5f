import { type Expression, type SqlBool, sql } from 'kysely';
import type { BankTransactionRow, BankTransactionStatus } from '../../db/schema.ts';
import type { Allocation } from '../../domain/bank-statement.ts';
import { notFound } from '../../domain/errors.ts';
import type { Db, Tx } from '../context.ts';
import { emitEvents } from '../events/outbox.ts';
import { decodeCursor, keysetClause, type Page, type PageRequest, toPage, totalOf } from '../pagination.ts';
import type { MatchContext } from './auto-match.ts';

/** A payment a transaction made: which document, how much. */
export interface AllocationView {
  payment_id: string;
  invoice_id: string | null;
  bill_id: string | null;
  amount: number;
}

export type BankTransactionView = Omit<BankTransactionRow, 'business_id' | 'dedupe_key'> & { object: 'bank_transaction'; allocations: AllocationView[] };

export function transactionView({ business_id: _, dedupe_key: __, ...row }: BankTransactionRow, allocations: AllocationView[]): BankTransactionView {
  return { ...row, object: 'bank_transaction', allocations };
}

/** The payments of transactions, by transaction: one query. */
async function allocationsOf(db: Db | Tx, businessId: string, ids: string[]): Promise<Map<string, AllocationView[]>> {
  const by = new Map<string, AllocationView[]>();
  if (ids.length === 0) return by;
  const rows = await sql<{ bank_transaction_id: string; id: string; invoice_id: string; kind: string; amount: number }>`
    select p.bank_transaction_id, p.id, p.invoice_id, i.kind, p.amount
    from payments p join invoices i on i.business_id = p.business_id and i.id = p.invoice_id
    where p.business_id = ${businessId} and p.bank_transaction_id = any(${ids}::text[])
    order by p.id`.execute(db);
  for (const r of rows.rows) {
    const view = { payment_id: r.id, invoice_id: r.kind === 'invoice' ? r.invoice_id : null, bill_id: r.kind === 'bill' ? r.invoice_id : null, amount: r.amount };
    by.set(r.bank_transaction_id, [...(by.get(r.bank_transaction_id) ?? []), view]);
  }
  return by;
}

export async function transactionViews(db: Db | Tx, businessId: string, rows: BankTransactionRow[]): Promise<BankTransactionView[]> {
  const allocations = await allocationsOf(db, businessId, rows.map((r) => r.id));
  return rows.map((r) => transactionView(r, allocations.get(r.id) ?? []));
}

/** One transaction, read without a lock; another business's id is not found. */
export async function readTransaction(db: Db | Tx, businessId: string, id: string): Promise<BankTransactionRow> {
  const row = await db.selectFrom('bank_transactions').selectAll().where('business_id', '=', businessId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Bank transaction', id);
  return row;
}

export async function getTransaction(db: Db | Tx, businessId: string, id: string): Promise<BankTransactionView> {
  return (await transactionViews(db, businessId, [await readTransaction(db, businessId, id)]))[0] as BankTransactionView;
}

/** Locks one transaction for a change of status (match, unmatch, ignore). */
export async function lockTransaction(tx: Tx, businessId: string, id: string): Promise<BankTransactionRow> {
  const row = await tx.selectFrom('bank_transactions').selectAll().where('business_id', '=', businessId).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound('Bank transaction', id);
  return row;
}

export interface TransactionFilters {
  bankAccountId?: string | undefined;
  status?: BankTransactionStatus | undefined;
  dateFrom?: string | undefined;
  dateTo?: string | undefined;
}

export async function listTransactions(db: Db, businessId: string, filters: TransactionFilters, page: PageRequest): Promise<Page<BankTransactionView>> {
  const keyset = decodeCursor(page.cursor);
  const clause = keysetClause(keyset);
  let query = db.selectFrom('bank_transactions').where('business_id', '=', businessId);
  if (filters.bankAccountId !== undefined) query = query.where('bank_account_id', '=', filters.bankAccountId);
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  if (filters.dateFrom !== undefined) query = query.where('date', '>=', filters.dateFrom);
  if (filters.dateTo !== undefined) query = query.where('date', '<=', filters.dateTo);
  const rows = await (clause.where ? query.where(clause.where as Expression<SqlBool>) : query).selectAll().orderBy(clause.order as never).limit(page.limit + 1).execute();
  const views = await transactionViews(db, businessId, rows.slice(0, page.limit));
  const byId = new Map(views.map((v) => [v.id, v]));
  return toPage(rows, page, keyset, await totalOf(query, page), (row) => byId.get(row.id) ?? transactionView(row, []));
}

/** Sets the status of transactions: one statement. */
export async function setStatus(tx: Tx, businessId: string, ids: string[], status: BankTransactionStatus, now: string): Promise<void> {
  if (ids.length === 0) return;
  await tx.updateTable('bank_transactions').set({ status, updated_at: now }).where('business_id', '=', businessId).where('id', '=', sql<string>`any(${ids}::text[])`).execute();
}

/** Transactions just paid out to documents: status matched and a BANK_TRANSACTION_MATCHED event each. */
export async function markMatched(tx: Tx, ctx: MatchContext, matched: { transaction: BankTransactionRow; allocations: Allocation[] }[]): Promise<void> {
  if (matched.length === 0) return;
  const now = ctx.clock().toISOString();
  const ids = matched.map((m) => m.transaction.id);
  await setStatus(tx, ctx.businessId, ids, 'matched', now);
  const views = await transactionViews(tx, ctx.businessId, matched.map((m) => ({ ...m.transaction, status: 'matched', updated_at: now })));
  await emitEvents(tx, ctx.businessId, now, views.map((data) => ({ type: 'BANK_TRANSACTION_MATCHED', data })));
}
