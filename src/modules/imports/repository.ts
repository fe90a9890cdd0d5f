import { sql } from 'kysely';
import type { ImportErrorsTable, ImportRow } from '../../db/schema.ts';
import { insertRows } from '../../db/insert-rows.ts';
import { notFound } from '../../domain/errors.ts';
import type { Db, Tx } from '../context.ts';
import { decodeCursor, keysetClause, type Page, type PageRequest, toPage, totalOf } from '../pagination.ts';
import type { RowIssue } from './groups.ts';

export async function getImport(db: Db | Tx, businessId: string, id: string): Promise<ImportRow> {
  const row = await db.selectFrom('imports').selectAll().where('business_id', '=', businessId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Import', id, 'id');
  return row;
}

/** Locks the import row: chunk writes and cancellation serialize on it. */
export async function lockImport(tx: Tx, businessId: string, id: string): Promise<ImportRow> {
  const row = await tx.selectFrom('imports').selectAll().where('business_id', '=', businessId).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound('Import', id, 'id');
  return row;
}

export async function listImports(db: Db, businessId: string, page: PageRequest): Promise<Page<ImportRow>> {
  const keyset = decodeCursor(page.cursor);
  const clause = keysetClause(keyset);
  const query = db.selectFrom('imports').where('business_id', '=', businessId);
  const rows = await (clause.where ? query.where(clause.where) : query).selectAll().orderBy(clause.order as never).limit(page.limit + 1).execute();
  const total = await totalOf(query, page);
  return toPage(rows, page, keyset, total, (row) => row);
}

const ERROR_COLUMNS = { business_id: 'text', import_id: 'text', seq: 'bigint', row_number: 'bigint', column_name: 'text', invoice_ref: 'text', message: 'text', type: 'text', value: 'text' } as const;

/** Appends row issues to the import's error report, numbered after `from`. */
export async function insertImportErrors(tx: Tx, businessId: string, importId: string, from: number, issues: RowIssue[]): Promise<void> {
  const rows = issues.map((issue, i) => ({
    business_id: businessId,
    import_id: importId,
    seq: from + i + 1,
    row_number: issue.row,
    column_name: issue.column ?? null,
    invoice_ref: issue.invoiceRef ?? null,
    message: issue.message,
    type: issue.type,
    value: issue.value ?? null,
  }));
  await insertRows(tx, 'import_errors', ERROR_COLUMNS, rows);
}

export type ErrorLine = Omit<ImportErrorsTable, 'business_id' | 'import_id'>;

/** One page of the error report after `afterSeq`, in file order. */
export async function importErrorPage(db: Db, businessId: string, importId: string, afterSeq: number, limit: number): Promise<ErrorLine[]> {
  return db
    .selectFrom('import_errors')
    .select(['seq', 'row_number', 'column_name', 'invoice_ref', 'message', 'type', 'value'])
    .where('business_id', '=', businessId)
    .where('import_id', '=', importId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** Drops the error report written by an interrupted validation pass, which runs again whole. */
export async function clearImportErrors(tx: Tx, businessId: string, importId: string): Promise<void> {
  await sql`delete from import_errors where business_id = ${businessId} and import_id = ${importId}`.execute(tx);
}
