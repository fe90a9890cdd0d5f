import type { BankAccountRow, BankStatementRow } from '../../db/schema.ts';
import type { BalanceMismatch } from '../../domain/bank-statement.ts';
import type { ObjectStore } from '../../storage/index.ts';
import { type Context, transact } from '../context.ts';
import { queueImport } from '../imports/start-import.ts';
import { type StatementOptions, statementLines } from './read-statement.ts';
import { addCounts, emitStatementImported, insertStatement, type KeyedLine, LineKeyer, NO_COUNTS, saveCounts, type StatementCounts, type StatementRequest, writeChunk } from './statements.ts';

export const optionsOf = (account: BankAccountRow, request: StatementRequest): StatementOptions => ({ format: request.format, columns: request.columns, dateFormat: request.dateFormat, currency: account.currency });

/**
 * Reads a whole statement when it has at most `maxLines` lines, keyed in file order; a bad
 * line throws (422, nothing written). Undefined when it is larger: a background import.
 */
export async function readSmallStatement(ctx: Pick<Context, 'businessId'>, store: ObjectStore, account: BankAccountRow, request: StatementRequest, maxLines: number): Promise<KeyedLine[] | undefined> {
  const keyer = new LineKeyer();
  const lines: KeyedLine[] = [];
  for await (const line of statementLines(store, ctx.businessId, request.s3Key, optionsOf(account, request))) {
    if (lines.length === maxLines) return undefined;
    lines.push(keyer.key(line));
  }
  return lines;
}

export interface StatementOutcome extends StatementCounts {
  statement: BankStatementRow;
  mismatches: BalanceMismatch[];
}

/**
 * A small statement within the request: every line, its dedupe and auto-match, the counts
 * and the BANK_STATEMENT_IMPORTED event in ONE transaction, in chunks of `chunk` lines (one
 * insert and one match query each).
 */
export async function importStatement(ctx: Context, account: BankAccountRow, request: StatementRequest, lines: KeyedLine[], chunk: number): Promise<StatementOutcome> {
  return transact(ctx, async (tx) => {
    const statement = await insertStatement(tx, ctx, account, request, null);
    let counts = NO_COUNTS;
    for (let i = 0; i < lines.length; i += chunk) counts = addCounts(counts, await writeChunk(tx, ctx, account, statement.id, lines.slice(i, i + chunk)));
    const now = ctx.clock().toISOString();
    const saved = await saveCounts(tx, ctx.businessId, statement.id, counts, now);
    await emitStatementImported(tx, ctx.businessId, saved, now);
    const mismatches = lines.flatMap((l) => (l.mismatch ? [l.mismatch] : []));
    return { ...counts, statement: saved, mismatches };
  });
}

/** The parameters a background statement import keeps in its import row. */
export interface StatementParams {
  bank_account_id: string;
  statement_id: string;
  format: StatementRequest['format'];
  columns: StatementRequest['columns'] | null;
  date_format: StatementRequest['dateFormat'];
}

/** A large statement: the statement row, its import and the import's job, in one transaction (202). */
export async function startStatementImport(ctx: Context, store: ObjectStore, account: BankAccountRow, request: StatementRequest): Promise<BankStatementRow> {
  const { size } = await store.stat(ctx.businessId, request.s3Key);
  return transact(ctx, async (tx) => {
    const placeholder = await insertStatement(tx, ctx, account, request, null);
    const params: StatementParams = { bank_account_id: account.id, statement_id: placeholder.id, format: request.format, columns: request.columns ?? null, date_format: request.dateFormat };
    const row = await queueImport(tx, ctx, size, { s3Key: request.s3Key, finalize: false, skipInvalid: false, kind: 'bank_statement', params });
    return tx.updateTable('bank_statements').set({ import_id: row.id }).where('business_id', '=', ctx.businessId).where('id', '=', placeholder.id).returningAll().executeTakeFirstOrThrow();
  });
}
