import type { Run, ImportSteps } from '../imports/run-import.ts';
import { insertImportErrors } from '../imports/repository.ts';
import type { RowIssue } from '../imports/groups.ts';
import { getBankAccount } from './accounts.ts';
import { optionsOf, type StatementParams } from './import-statement.ts';
import { statementLines } from './read-statement.ts';
import { emitStatementImported, type KeyedLine, LineKeyer, NO_COUNTS, saveCounts, type StatementRequest, writeChunk } from './statements.ts';

const mismatchIssue = ({ line, mismatch }: KeyedLine): RowIssue[] =>
  mismatch ? [{ row: line.line, message: `The running balance is ${mismatch.actual} but the previous balance plus this amount is ${mismatch.expected} (minor units).`, type: 'bank.balance_mismatch', value: String(mismatch.actual) }] : [];

/**
 * The background import of a large bank statement, on the import machinery: the whole file
 * is checked first without writing (a bad line fails the import with nothing imported), then
 * chunks of lines are written — dedupe, auto-match, the statement's counts and the import's
 * checkpoint in one transaction each. A killed worker resumes after the last committed chunk;
 * every line is still keyed in file order, so fingerprints come out the same.
 */
export async function runStatementImport(run: Run, steps: ImportSteps): Promise<void> {
  const params = run.row.params as StatementParams;
  const { business_id: businessId, id: importId } = run.row;
  const account = await getBankAccount(run.ctx.db, businessId, params.bank_account_id);
  const request: StatementRequest = { s3Key: run.row.s3_key, format: params.format, columns: params.columns ?? undefined, dateFormat: params.date_format };
  const lines = () => statementLines(run.store, businessId, run.row.s3_key, optionsOf(account, request));
  if (!run.row.validated) {
    let total = 0;
    for await (const _ of lines()) total++;
    await steps.step((tx) => tx.updateTable('imports').set({ validated: true, rows_total: total }).where('business_id', '=', businessId).where('id', '=', importId).execute());
  }
  const ctx = { businessId, clock: run.ctx.clock, baseUrl: run.ctx.config.publicUrl };
  const write = (chunk: KeyedLine[], bytes: number) =>
    steps.step(async (tx, row) => {
      const now = run.ctx.clock().toISOString();
      const counts = await writeChunk(tx, ctx, account, params.statement_id, chunk);
      await saveCounts(tx, businessId, params.statement_id, counts, now);
      const issues = chunk.flatMap(mismatchIssue);
      await insertImportErrors(tx, businessId, importId, row.error_count, issues);
      const last = chunk[chunk.length - 1] as KeyedLine;
      const progress = { checkpoint_rows: last.line.line, bytes_processed: bytes, error_count: row.error_count + issues.length, updated_at: now };
      await tx.updateTable('imports').set(progress).where('business_id', '=', businessId).where('id', '=', importId).execute();
    });
  const keyer = new LineKeyer();
  let chunk: KeyedLine[] = [];
  let bytes = 0;
  for await (const line of lines()) {
    const keyed = keyer.key(line);
    bytes = line.bytes;
    if (line.line <= run.row.checkpoint_rows) continue;
    chunk.push(keyed);
    if (chunk.length >= run.ctx.config.importChunkInvoices) {
      await write(chunk, bytes);
      chunk = [];
    }
  }
  if (chunk.length > 0) await write(chunk, bytes);
  await steps.step(async (tx) => {
    const now = run.ctx.clock().toISOString();
    const statement = await saveCounts(tx, businessId, params.statement_id, NO_COUNTS, now);
    await emitStatementImported(tx, businessId, statement, now);
    await steps.close(tx, 'succeeded', null, {});
  });
}
