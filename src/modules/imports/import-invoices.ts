import { DomainError, type Issue, ValidationErrors } from '../../domain/errors.ts';
import type { ObjectStore } from '../../storage/index.ts';
import { type Context, transact } from '../context.ts';
import { isForeignKeyViolation } from '../db-errors.ts';
import type { PreparedDocument } from '../invoicing/prepare.ts';
import type { DocumentView } from '../invoicing/view.ts';
import { writeDocuments } from '../invoicing/write.ts';
import { importCompleted } from './completed.ts';
import { type CsvRow, csvIssue, readCsvRows } from './csv-rows.ts';
import { groupRows, type RowIssue } from './groups.ts';
import { issuesOf, prepareGroups } from './prepare-groups.ts';

export interface ImportOptions {
  finalize: boolean;
  skipInvalid: boolean;
  maxLineItems: number;
}

export interface ImportOutcome {
  documents: DocumentView[];
  issues: RowIssue[];
}

export const MAX_REPORTED_ISSUES = 100;

/** Row issues in the native 422 shape, `loc: ["csv", row, column]`: the first 100, then a count. */
export function wireIssues(issues: RowIssue[]): Issue[] {
  const shown = issues.slice(0, MAX_REPORTED_ISSUES).map((i) => csvIssue(i.row, i.column, i.message, i.type));
  if (issues.length > MAX_REPORTED_ISSUES) {
    shown.push(csvIssue(undefined, undefined, `${issues.length - MAX_REPORTED_ISSUES} more errors not shown (${issues.length} in all).`, 'csv.too_many_errors'));
  }
  return shown;
}

/**
 * Reads at most `maxRows` data rows of a stored CSV file. Returns undefined when the file
 * has more (it then belongs to a background import); format errors throw with their row.
 */
export async function readSmallCsv(ctx: Pick<Context, 'businessId'>, store: ObjectStore, key: string, maxRows: number): Promise<CsvRow[] | undefined> {
  const rows: CsvRow[] = [];
  for await (const row of readCsvRows(await store.get(ctx.businessId, key))) {
    if (rows.length === maxRows) return undefined;
    rows.push(row);
  }
  return rows;
}

/**
 * The synchronous CSV import (SPEC §6.2): every invoice of the file priced by the engine,
 * then written in one transaction. By default any invalid row fails the request and nothing
 * is created; with skipInvalid the valid invoices are created and the rest reported.
 */
export async function importInvoices(ctx: Context, rows: CsvRow[], options: ImportOptions): Promise<ImportOutcome> {
  const now = ctx.clock().toISOString();
  const prepared = await prepareGroups(ctx.db, ctx.businessId, groupRows(rows), { finalize: options.finalize, maxLineItems: options.maxLineItems, now, clock: ctx.clock });
  const issues = issuesOf(prepared.failed);
  if (issues.length > 0 && !options.skipInvalid) throw new ValidationErrors(wireIssues(issues));
  const docs: PreparedDocument[] = prepared.documents.map((d) => d.document);
  try {
    // The transaction returns the whole outcome: the idempotency record seals what it returns.
    const completed = importCompleted(null, 'succeeded', docs.length, prepared.failed.length);
    return await transact(ctx, async (tx) => ({ documents: await writeDocuments(tx, prepared.refs.business, docs, now, ctx.baseUrl, [completed]), issues }));
  } catch (error) {
    // Rows were checked before the transaction; only a concurrent change gets here.
    if (isForeignKeyViolation(error)) throw new DomainError('conflict.in_use', 'A customer or item of this file was deleted while it was being imported; nothing was created. Retry the import.');
    throw error;
  }
}
