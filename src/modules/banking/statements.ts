import type { BankAccountRow, BankStatementRow, StatementFormat } from '../../db/schema.ts';
import { insertNewRows } from '../../db/insert-rows.ts';
import { BalanceCheck, type BalanceMismatch, type DateFormat, Fingerprints, type StatementLine } from '../../domain/bank-statement.ts';
import { toSafeNumber } from '../../domain/decimal.ts';
import { uuidv7 } from '../../ids.ts';
import type { Context, Db, Tx } from '../context.ts';
import { emitEvents } from '../events/outbox.ts';
import { decodeCursor, keysetClause, type Page, type PageRequest, toPage, totalOf } from '../pagination.ts';
import { type MatchContext, autoMatch } from './auto-match.ts';
import type { ColumnMapping } from './parse-csv.ts';

/** What the request asks for; the format is known by the time a statement is recorded. */
export interface StatementRequest {
  s3Key: string;
  format: StatementFormat;
  columns?: ColumnMapping | undefined;
  dateFormat: DateFormat;
}

/** A line with its dedupe key, and the balance it contradicts, if any. */
export interface KeyedLine {
  line: StatementLine;
  key: string;
  mismatch: BalanceMismatch | undefined;
}

/** Keys lines in file order; every line of the file passes through it, also those before a checkpoint. */
export class LineKeyer {
  private readonly fingerprints = new Fingerprints();
  private readonly balances = new BalanceCheck();

  key(line: StatementLine): KeyedLine {
    return { line, key: this.fingerprints.keyOf(line), mismatch: this.balances.check(line) };
  }
}

export interface StatementCounts {
  imported: number;
  duplicates: number;
  matched: number;
  unmatched: number;
  balance_mismatches: number;
}

export const NO_COUNTS: StatementCounts = { imported: 0, duplicates: 0, matched: 0, unmatched: 0, balance_mismatches: 0 };

const TRANSACTION_COLUMNS = {
  business_id: 'text',
  id: 'text',
  bank_account_id: 'text',
  statement_id: 'text',
  line_number: 'bigint',
  date: 'date',
  amount: 'bigint',
  currency: 'text',
  description: 'text',
  reference: 'text',
  transaction_id: 'text',
  balance: 'bigint',
  dedupe_key: 'text',
  status: 'text',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
} as const;

/**
 * One chunk, inside the caller's transaction: the lines not already imported for this
 * account (one insert; a key taken by an earlier or concurrent import is skipped), then
 * auto-match of the new ones (one query). Returns the chunk's counts.
 */
export async function writeChunk(tx: Tx, ctx: MatchContext, account: BankAccountRow, statementId: string, lines: KeyedLine[]): Promise<StatementCounts> {
  const now = ctx.clock().toISOString();
  const rows = lines.map(({ line, key }) => ({
    business_id: ctx.businessId,
    id: uuidv7(),
    bank_account_id: account.id,
    statement_id: statementId,
    line_number: line.line,
    date: line.date,
    amount: toSafeNumber(line.amount, 'amount'),
    currency: account.currency,
    description: line.description,
    reference: line.reference,
    transaction_id: line.transactionId,
    balance: line.balance === null ? null : toSafeNumber(line.balance, 'balance'),
    dedupe_key: key,
    status: 'unmatched' as const,
    created_at: now,
    updated_at: now,
  }));
  const inserted = await insertNewRows(tx, 'bank_transactions', TRANSACTION_COLUMNS, rows);
  const matched = await autoMatch(tx, ctx, account, rows.filter((r) => inserted.has(r.id)));
  return {
    imported: inserted.size,
    duplicates: rows.length - inserted.size,
    matched: matched.size,
    unmatched: inserted.size - matched.size,
    balance_mismatches: lines.filter((l) => l.mismatch).length,
  };
}

export const addCounts = (a: StatementCounts, b: StatementCounts): StatementCounts => ({
  imported: a.imported + b.imported,
  duplicates: a.duplicates + b.duplicates,
  matched: a.matched + b.matched,
  unmatched: a.unmatched + b.unmatched,
  balance_mismatches: a.balance_mismatches + b.balance_mismatches,
});

export async function insertStatement(tx: Tx, ctx: Pick<Context, 'businessId' | 'clock'>, account: BankAccountRow, request: StatementRequest, importId: string | null): Promise<BankStatementRow> {
  const now = ctx.clock().toISOString();
  return tx
    .insertInto('bank_statements')
    .values({ business_id: ctx.businessId, id: uuidv7(), bank_account_id: account.id, s3_key: request.s3Key, format: request.format, import_id: importId, created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Adds a chunk's counts to the statement (the chunk's transaction commits them with it). */
export async function saveCounts(tx: Tx, businessId: string, statementId: string, counts: StatementCounts, now: string): Promise<BankStatementRow> {
  return tx
    .updateTable('bank_statements')
    .set((eb) => ({
      imported: eb('imported', '+', counts.imported),
      duplicates: eb('duplicates', '+', counts.duplicates),
      matched: eb('matched', '+', counts.matched),
      unmatched: eb('unmatched', '+', counts.unmatched),
      balance_mismatches: eb('balance_mismatches', '+', counts.balance_mismatches),
      updated_at: now,
    }))
    .where('business_id', '=', businessId)
    .where('id', '=', statementId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export type StatementView = Omit<BankStatementRow, 'business_id'> & { object: 'bank_statement' };
export const statementView = ({ business_id: _, ...row }: BankStatementRow): StatementView => ({ ...row, object: 'bank_statement' });

export async function emitStatementImported(tx: Tx, businessId: string, statement: BankStatementRow, now: string): Promise<void> {
  await emitEvents(tx, businessId, now, [{ type: 'BANK_STATEMENT_IMPORTED', data: statementView(statement) }]);
}

export async function listStatements(db: Db, businessId: string, bankAccountId: string, page: PageRequest): Promise<Page<StatementView>> {
  const keyset = decodeCursor(page.cursor);
  const clause = keysetClause(keyset);
  const query = db.selectFrom('bank_statements').where('business_id', '=', businessId).where('bank_account_id', '=', bankAccountId);
  const rows = await (clause.where ? query.where(clause.where) : query).selectAll().orderBy(clause.order as never).limit(page.limit + 1).execute();
  return toPage(rows, page, keyset, await totalOf(query, page), statementView);
}
