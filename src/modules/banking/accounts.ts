import type { BankAccountRow } from '../../db/schema.ts';
import { parseCurrency } from '../../domain/currency.ts';
import { notFound } from '../../domain/errors.ts';
import { ACCOUNTS } from '../../domain/ledger.ts';
import { uuidv7 } from '../../ids.ts';
import { type Context, type Db, type Tx, transact } from '../context.ts';
import { reserve } from '../invoicing/numbering.ts';
import { decodeCursor, keysetClause, type Page, type PageRequest, toPage, totalOf } from '../pagination.ts';

export interface BankAccountInput {
  name: string;
  currency: string;
  last4?: string | undefined;
}

export type BankAccountView = Omit<BankAccountRow, 'business_id'> & { object: 'bank_account' };

export const bankAccountView = ({ business_id: _, ...row }: BankAccountRow): BankAccountView => ({ ...row, object: 'bank_account' });

/**
 * A bank account and its own ledger account under Cash and Bank ('1000-01', '1000-02', …),
 * numbered by a per-business counter so concurrent creates never collide. One transaction.
 */
export async function createBankAccount(ctx: Context, input: BankAccountInput): Promise<BankAccountView> {
  const currency = parseCurrency(input.currency, 'currency');
  return transact(ctx, async (tx) => {
    const n = await reserve(tx, ctx.businessId, 'bank_account', '', 1);
    const code = `${ACCOUNTS.bank}-${String(n).padStart(2, '0')}`;
    const now = ctx.clock().toISOString();
    await tx.insertInto('accounts').values({ business_id: ctx.businessId, code, name: `Bank: ${input.name}`, type: 'asset', parent_code: ACCOUNTS.bank }).execute();
    const row = await tx
      .insertInto('bank_accounts')
      .values({ business_id: ctx.businessId, id: uuidv7(), name: input.name, currency, last4: input.last4 ?? null, account_code: code, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    return bankAccountView(row);
  });
}

export async function getBankAccount(db: Db | Tx, businessId: string, id: string): Promise<BankAccountRow> {
  const row = await db.selectFrom('bank_accounts').selectAll().where('business_id', '=', businessId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Bank account', id);
  return row;
}

export async function listBankAccounts(db: Db, businessId: string, page: PageRequest): Promise<Page<BankAccountView>> {
  const keyset = decodeCursor(page.cursor);
  const clause = keysetClause(keyset);
  const query = db.selectFrom('bank_accounts').where('business_id', '=', businessId);
  const rows = await (clause.where ? query.where(clause.where) : query).selectAll().orderBy(clause.order as never).limit(page.limit + 1).execute();
  return toPage(rows, page, keyset, await totalOf(query, page), bankAccountView);
}

/** Name and last4 change; the currency does not (its transactions and ledger lines are in it). The ledger account is renamed with it. */
export async function updateBankAccount(ctx: Context, id: string, input: { name?: string | undefined; last4?: string | null | undefined }): Promise<BankAccountView> {
  return transact(ctx, async (tx) => {
    const row = await tx.selectFrom('bank_accounts').selectAll().where('business_id', '=', ctx.businessId).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw notFound('Bank account', id);
    const next = { name: input.name ?? row.name, last4: input.last4 === undefined ? row.last4 : input.last4, updated_at: ctx.clock().toISOString() };
    await tx.updateTable('bank_accounts').set(next).where('business_id', '=', ctx.businessId).where('id', '=', id).execute();
    if (input.name !== undefined) await tx.updateTable('accounts').set({ name: `Bank: ${input.name}` }).where('business_id', '=', ctx.businessId).where('code', '=', row.account_code).execute();
    return bankAccountView({ ...row, ...next });
  });
}
