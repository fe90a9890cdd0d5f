import { loadEntryViews } from '../ledger/entries.ts';
import { sql } from 'kysely';
import type { InvoiceKind, InvoiceLineRow } from '../../db/schema.ts';
import { DomainError, notFound } from '../../domain/errors.ts';
import type { Db, Tx } from '../context.ts';
import { decodeCursor, keysetClause, type Page, type PageRequest, toPage, totalOf } from '../pagination.ts';
import { loadStripeSyncs } from '../stripe/syncs.ts';
import { type DocumentView, documentView, type PaymentView, type StripeSyncView } from './view.ts';

const NOUN: Record<InvoiceKind, string> = { invoice: 'Invoice', bill: 'Bill' };

function groupBy<T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** List filters that stand for several statuses. */
const PAID_FILTER: Record<string, string[]> = { paid: ['manual_paid', 'stripe_paid'] };

/** Full views of documents in the order of `ids`: six queries whatever the count. */
export async function loadDocuments(db: Db | Tx, businessId: string, kind: InvoiceKind, ids: string[], baseUrl: string): Promise<DocumentView[]> {
  if (ids.length === 0) return [];
  const [rows, lines, entries, payments, notes, syncs] = await Promise.all([
    db.selectFrom('invoices').selectAll().where('business_id', '=', businessId).where('kind', '=', kind).where('id', '=', sql<string>`any(${ids}::text[])`).execute(),
    db.selectFrom('invoice_lines').selectAll().where('business_id', '=', businessId).where('invoice_id', '=', sql<string>`any(${ids}::text[])`).orderBy('position').execute(),
    loadEntryViews(db, businessId, 'invoice_id', ids),
    db
      .selectFrom('payments')
      .select(['id', 'invoice_id', 'amount', 'paid_on', 'source', 'reference', 'created_at', 'bank_transaction_id'])
      .where('business_id', '=', businessId)
      .where('invoice_id', '=', sql<string>`any(${ids}::text[])`)
      .orderBy('id')
      .execute(),
    db.selectFrom('credit_notes').select(['id', 'kind', 'invoice_id']).where('business_id', '=', businessId).where('invoice_id', '=', sql<string>`any(${ids}::text[])`).orderBy('id').execute(),
    kind === 'invoice' ? loadStripeSyncs(db, businessId, ids) : new Map<string, StripeSyncView>(),
  ]);
  const linesBy = groupBy(lines as InvoiceLineRow[], (l) => l.invoice_id);
  const paymentsBy = groupBy(payments, (p) => p.invoice_id);
  const notesBy = groupBy(notes, (n) => n.invoice_id);
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    const pays: PaymentView[] = (paymentsBy.get(id) ?? []).map(({ invoice_id: _, ...p }) => p);
    return [documentView({ row, lines: linesBy.get(id) ?? [], entries: entries.get(id) ?? [], payments: pays, notes: notesBy.get(id), stripeSync: syncs.get(id) }, baseUrl)];
  });
}

export async function getDocument(db: Db | Tx, businessId: string, kind: InvoiceKind, id: string, baseUrl: string): Promise<DocumentView> {
  const [view] = await loadDocuments(db, businessId, kind, [id], baseUrl);
  if (!view) throw notFound(NOUN[kind], id);
  return view;
}

export interface DocumentFilters {
  status?: string | undefined;
  partyId?: string | undefined;
  importId?: string | undefined;
  recurringTemplateId?: string | undefined;
  createdFrom?: string | undefined;
  createdTo?: string | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

export async function listDocuments(
  db: Db,
  businessId: string,
  kind: InvoiceKind,
  filters: DocumentFilters,
  page: PageRequest,
  baseUrl: string,
): Promise<Page<DocumentView>> {
  const keyset = decodeCursor(page.cursor);
  const clause = keysetClause(keyset);
  const partyColumn = kind === 'invoice' ? 'customer_id' : 'vendor_id';
  let query = db.selectFrom('invoices').where('business_id', '=', businessId).where('kind', '=', kind);
  if (filters.status) query = query.where('status', 'in', PAID_FILTER[filters.status] ?? [filters.status]);
  if (filters.partyId) query = query.where(partyColumn, '=', filters.partyId);
  if (filters.importId) query = query.where('import_id', '=', filters.importId);
  if (filters.recurringTemplateId) query = query.where('recurring_template_id', '=', filters.recurringTemplateId);
  if (filters.createdFrom) query = query.where('created_at', '>=', filters.createdFrom);
  if (filters.createdTo) query = query.where('created_at', '<=', filters.createdTo);
  if (filters.createdAfter) query = query.where('created_at', '>', filters.createdAfter);
  if (filters.createdBefore) query = query.where('created_at', '<', filters.createdBefore);
  const pageQuery = clause.where ? query.where(clause.where) : query;
  const rows = await pageQuery.select(['id', 'created_at']).orderBy(clause.order as never).limit(page.limit + 1).execute();
  const total = await totalOf(query, page);
  const shown = rows.slice(0, page.limit).map((r) => r.id);
  const views = new Map((await loadDocuments(db, businessId, kind, shown, baseUrl)).map((v) => [v.id, v]));
  return toPage(rows, page, keyset, total, (row) => views.get(row.id) as DocumentView);
}

/** The invoice a hosted-page token addresses (public, no auth: the token is the secret). */
export async function findByHostedToken(db: Db, businessId: string, token: string, baseUrl: string): Promise<DocumentView> {
  const row = await db
    .selectFrom('invoices')
    .select('id')
    .where('business_id', '=', businessId)
    .where('hosted_token', '=', token)
    .where('kind', '=', 'invoice')
    .executeTakeFirst();
  if (!row) throw new DomainError('not_found.resource', 'Invoice not found.');
  return getDocument(db, businessId, 'invoice', row.id, baseUrl);
}
