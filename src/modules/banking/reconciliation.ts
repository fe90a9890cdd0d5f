import { todayFor } from '../../domain/dates.ts';
import { getBusinessCached } from '../businesses/create-business.ts';
import { sql } from 'kysely';
import type { Db } from '../context.ts';
import { getBankAccount } from './accounts.ts';
import { type BankTransactionView, transactionViews } from './transactions.ts';

export interface Reconciliation {
  bank_account_id: string;
  account_code: string;
  currency: string;
  as_of: string;
  statement_balance: number;
  ledger_balance: number;
  difference: number;
  unmatched_count: number;
  unmatched_total: number;
  ignored_total: number;
  reported_balance: number | null;
  reported_balance_date: string | null;
  unmatched: BankTransactionView[];
}

const SHOWN = 100;

interface Figures {
  statement_balance: number;
  ledger_balance: number;
  unmatched_count: number;
  unmatched_total: number;
  ignored_total: number;
}

/**
 * Books against bank as of a date (docs/banking.md): the statement balance (Σ imported
 * lines), the bank's ledger account balance, their difference, and the unmatched lines
 * behind it (the first 100, oldest first; the count and total cover all). Ignored lines are
 * totalled apart: they explain the rest of the difference.
 */
/** `asOf` defaults to the business's today. */
export async function reconcile(db: Db, businessId: string, bankAccountId: string, date: string | undefined, clock: () => Date): Promise<Reconciliation> {
  const account = await getBankAccount(db, businessId, bankAccountId);
  const asOf = date ?? todayFor(await getBusinessCached(db, businessId), clock);
  const figures = await sql<Figures>`
    select
      (select coalesce(sum(amount), 0)::bigint from bank_transactions where business_id = ${businessId} and bank_account_id = ${account.id} and date <= ${asOf}) as statement_balance,
      (select coalesce(sum(l.debit - l.credit), 0)::bigint from journal_lines l join journal_entries e on e.business_id = l.business_id and e.id = l.entry_id
        where l.business_id = ${businessId} and l.account_code = ${account.account_code} and e.date <= ${asOf}) as ledger_balance,
      (select count(*)::bigint from bank_transactions where business_id = ${businessId} and bank_account_id = ${account.id} and date <= ${asOf} and status = 'unmatched') as unmatched_count,
      (select coalesce(sum(amount), 0)::bigint from bank_transactions where business_id = ${businessId} and bank_account_id = ${account.id} and date <= ${asOf} and status = 'unmatched') as unmatched_total,
      (select coalesce(sum(amount), 0)::bigint from bank_transactions where business_id = ${businessId} and bank_account_id = ${account.id} and date <= ${asOf} and status = 'ignored') as ignored_total`.execute(db);
  const f = figures.rows[0] as Figures;
  const reported = await db
    .selectFrom('bank_transactions')
    .select(['balance', 'date'])
    .where('business_id', '=', businessId)
    .where('bank_account_id', '=', account.id)
    .where('date', '<=', asOf)
    .where('balance', 'is not', null)
    .orderBy('date', 'desc')
    .orderBy('created_at', 'desc')
    .orderBy('line_number', 'desc')
    .limit(1)
    .executeTakeFirst();
  const unmatched = await db
    .selectFrom('bank_transactions')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('bank_account_id', '=', account.id)
    .where('date', '<=', asOf)
    .where('status', '=', 'unmatched')
    .orderBy('date')
    .orderBy('id')
    .limit(SHOWN)
    .execute();
  return {
    bank_account_id: account.id,
    account_code: account.account_code,
    currency: account.currency,
    as_of: asOf,
    ...f,
    difference: f.statement_balance - f.ledger_balance,
    reported_balance: reported?.balance ?? null,
    reported_balance_date: reported?.date ?? null,
    unmatched: await transactionViews(db, businessId, unmatched),
  };
}
