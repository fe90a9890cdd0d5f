import { sql } from 'kysely';
import type { RecurringTemplateRow } from '../../db/schema.ts';
import { notFound } from '../../domain/errors.ts';
import type { Db, Tx } from '../context.ts';
import { decodeCursor, keysetClause, type Page, type PageRequest, toPage, totalOf } from '../pagination.ts';
import type { TemplateStatus, TemplateView } from './types.ts';
import type { NewTemplateRow } from './validate.ts';
import { templateView } from './view.ts';

const NOUN = 'Recurring template';

export async function insertTemplates(tx: Tx, rows: NewTemplateRow[]): Promise<RecurringTemplateRow[]> {
  if (rows.length === 0) return [];
  const values = rows.map((row) => ({ ...row, line_items: JSON.stringify(row.line_items) }));
  return tx.insertInto('recurring_templates').values(values).returningAll().execute();
}

/** Client-chosen ids of the batch already used in the business: one query. */
export async function existingTemplateIds(db: Db, businessId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('recurring_templates').select('id').where('business_id', '=', businessId).where('id', '=', sql<string>`any(${ids}::text[])`).execute();
  return new Set(rows.map((r) => r.id));
}

export async function getTemplate(db: Db | Tx, businessId: string, id: string): Promise<RecurringTemplateRow> {
  const row = await db.selectFrom('recurring_templates').selectAll().where('business_id', '=', businessId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(NOUN, id);
  return row;
}

/** The template, locked for the rest of the transaction (a change, or the scheduler's claim). */
export async function lockTemplate(tx: Tx, businessId: string, id: string): Promise<RecurringTemplateRow> {
  const row = await tx.selectFrom('recurring_templates').selectAll().where('business_id', '=', businessId).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound(NOUN, id);
  return row;
}

export async function updateTemplate(tx: Tx, businessId: string, id: string, patch: Partial<Omit<RecurringTemplateRow, 'business_id' | 'id'>>): Promise<RecurringTemplateRow> {
  const { line_items, ...rest } = patch;
  return tx
    .updateTable('recurring_templates')
    .set({ ...rest, ...(line_items === undefined ? {} : { line_items: JSON.stringify(line_items) }) })
    .where('business_id', '=', businessId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface TemplateFilters {
  status?: TemplateStatus | undefined;
  customerId?: string | undefined;
}

export async function listTemplates(db: Db, businessId: string, filters: TemplateFilters, page: PageRequest): Promise<Page<TemplateView>> {
  const keyset = decodeCursor(page.cursor);
  const clause = keysetClause(keyset);
  let query = db.selectFrom('recurring_templates').where('business_id', '=', businessId);
  if (filters.status) query = query.where('status', '=', filters.status);
  if (filters.customerId) query = query.where('customer_id', '=', filters.customerId);
  const pageQuery = clause.where ? query.where(clause.where) : query;
  const rows = await pageQuery.selectAll().orderBy(clause.order as never).limit(page.limit + 1).execute();
  return toPage(rows, page, keyset, await totalOf(query, page), templateView);
}

/**
 * Claims up to `limit` templates of a business due by `today` (and not waiting to retry a
 * failure), oldest date first. Rows another worker holds are skipped, so two workers never
 * make one template's invoice; the locks last until the chunk commits with its advances.
 */
export async function claimDueTemplates(tx: Tx, businessId: string, today: string, now: string, limit: number): Promise<RecurringTemplateRow[]> {
  const result = await sql<RecurringTemplateRow>`
    select * from recurring_templates
    where business_id = ${businessId} and status = 'active' and next_invoice_date <= ${today}
      and (retry_at is null or retry_at <= ${now})
    order by next_invoice_date, id
    limit ${limit}
    for update skip locked`.execute(tx);
  return result.rows;
}

/** What the scheduler must wake up for next: the earliest date not yet made, and the earliest retry. */
export async function nextWork(db: Db, businessId: string): Promise<{ date: string | null; retryAt: string | null }> {
  const result = await sql<{ date: string | null; retry_at: string | null }>`
    select min(next_invoice_date) filter (where retry_at is null) as date, min(retry_at) as retry_at
    from recurring_templates where business_id = ${businessId} and status = 'active'`.execute(db);
  const row = result.rows[0];
  return { date: row?.date ?? null, retryAt: row?.retry_at ?? null };
}

/** One template's state after the scheduler's attempt. */
export interface Advance {
  id: string;
  status: TemplateStatus;
  next_invoice_date: string | null;
  last_invoice_date: string | null;
  invoices_generated: number;
  consecutive_failures: number;
  last_error: string | null;
  retry_at: string | null;
}

/** Writes every template's advance of a chunk in one statement. */
export async function writeAdvances(tx: Tx, businessId: string, advances: Advance[], now: string): Promise<void> {
  if (advances.length === 0) return;
  const col = <K extends keyof Advance>(key: K) => advances.map((a) => a[key]);
  await sql`
    update recurring_templates t set
      status = v.status, next_invoice_date = v.next_date, last_invoice_date = v.last_date,
      invoices_generated = v.generated, consecutive_failures = v.failures, last_error = v.last_error,
      retry_at = v.retry_at, updated_at = ${now}
    from unnest(${col('id')}::text[], ${col('status')}::text[], ${col('next_invoice_date')}::date[], ${col('last_invoice_date')}::date[],
                ${col('invoices_generated')}::int[], ${col('consecutive_failures')}::int[], ${col('last_error')}::text[], ${col('retry_at')}::timestamptz[])
      as v (id, status, next_date, last_date, generated, failures, last_error, retry_at)
    where t.business_id = ${businessId} and t.id = v.id`.execute(tx);
}

/** Which scheduled date made which invoice; the primary key refuses a second invoice for a date. */
export async function recordGenerated(tx: Tx, businessId: string, made: { templateId: string; date: string; invoiceId: string }[]): Promise<void> {
  if (made.length === 0) return;
  await sql`
    insert into recurring_invoices (business_id, template_id, scheduled_date, invoice_id)
    select ${businessId}, * from unnest(${made.map((m) => m.templateId)}::text[], ${made.map((m) => m.date)}::date[], ${made.map((m) => m.invoiceId)}::text[])`.execute(tx);
}
