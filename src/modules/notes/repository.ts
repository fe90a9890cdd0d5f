import { loadEntryViews } from '../ledger/entries.ts';
import { sql } from 'kysely';
import type { CreditNoteLineRow, InvoiceLineRow, InvoiceRow, NoteKind } from '../../db/schema.ts';
import type { Components, LineCredit } from '../../domain/credit-notes.ts';
import { DomainError, notFound } from '../../domain/errors.ts';
import type { InvoiceStatus } from '../../domain/invoice-state.ts';
import type { Db, Tx } from '../context.ts';
import { decodeCursor, keysetClause, type Page, type PageRequest, toPage, totalOf } from '../pagination.ts';
import { type NoteView, noteView } from './view.ts';

export type LockedInvoice = InvoiceRow & { status: InvoiceStatus };

const NOUN: Record<NoteKind, string> = { credit_note: 'Credit note', debit_note: 'Debit note' };

/** Locks the invoices a batch of notes corrects, in id order so concurrent batches never deadlock. */
export async function lockInvoices(tx: Tx, businessId: string, ids: string[]): Promise<Map<string, LockedInvoice>> {
  if (ids.length === 0) return new Map();
  const rows = await tx
    .selectFrom('invoices')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('kind', '=', 'invoice')
    .where('id', '=', sql<string>`any(${[...new Set(ids)]}::text[])`)
    .orderBy('id')
    .forUpdate()
    .execute();
  return new Map(rows.map((row) => [row.id, row as LockedInvoice]));
}

export async function invoiceLines(db: Db | Tx, businessId: string, invoiceIds: string[]): Promise<InvoiceLineRow[]> {
  if (invoiceIds.length === 0) return [];
  return db
    .selectFrom('invoice_lines')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('invoice_id', '=', sql<string>`any(${invoiceIds}::text[])`)
    .execute() as Promise<InvoiceLineRow[]>;
}

const ZERO: Components = { subtotal: 0n, cgst: 0n, sgst: 0n, igst: 0n, tax: 0n };

export interface NoteTotals {
  credited: Components;
  debited: Components;
}

/** Σ components of the issued notes of each invoice, per kind. */
export async function noteTotals(db: Db | Tx, businessId: string, invoiceIds: string[]): Promise<Map<string, NoteTotals>> {
  const totals = new Map<string, NoteTotals>();
  if (invoiceIds.length === 0) return totals;
  const result = await sql<{ invoice_id: string; kind: NoteKind; subtotal: number; cgst: number; sgst: number; igst: number; tax: number }>`
    select invoice_id, kind, sum(subtotal)::bigint as subtotal, sum(cgst)::bigint as cgst, sum(sgst)::bigint as sgst,
           sum(igst)::bigint as igst, sum(tax)::bigint as tax
    from credit_notes
    where business_id = ${businessId} and status = 'issued' and invoice_id = any(${invoiceIds}::text[])
    group by invoice_id, kind`.execute(db);
  for (const r of result.rows) {
    const entry = totals.get(r.invoice_id) ?? { credited: ZERO, debited: ZERO };
    const sums = { subtotal: BigInt(r.subtotal), cgst: BigInt(r.cgst), sgst: BigInt(r.sgst), igst: BigInt(r.igst), tax: BigInt(r.tax) };
    totals.set(r.invoice_id, r.kind === 'credit_note' ? { ...entry, credited: sums } : { ...entry, debited: sums });
  }
  return totals;
}

/** What issued credit notes credited per invoice line. */
export async function lineCredits(db: Db | Tx, businessId: string, invoiceIds: string[]): Promise<Map<string, LineCredit>> {
  if (invoiceIds.length === 0) return new Map();
  const result = await sql<{ line_id: string; taxable: number; cgst: number; sgst: number; igst: number; tax: number }>`
    select l.invoice_line_id as line_id, sum(l.taxable)::bigint as taxable, sum(l.cgst)::bigint as cgst,
           sum(l.sgst)::bigint as sgst, sum(l.igst)::bigint as igst, sum(l.tax)::bigint as tax
    from credit_note_lines l
    join credit_notes n on n.business_id = l.business_id and n.id = l.note_id
    where n.business_id = ${businessId} and n.kind = 'credit_note' and n.status = 'issued'
      and n.invoice_id = any(${invoiceIds}::text[]) and l.invoice_line_id is not null
    group by l.invoice_line_id`.execute(db);
  return new Map(
    result.rows.map((r) => [r.line_id, { taxable: BigInt(r.taxable), cgst: BigInt(r.cgst), sgst: BigInt(r.sgst), igst: BigInt(r.igst), tax: BigInt(r.tax) }]),
  );
}

/** Full views of notes in the order of `ids`: three queries whatever the count. */
export async function loadNotes(db: Db | Tx, businessId: string, ids: string[], baseUrl: string): Promise<NoteView[]> {
  if (ids.length === 0) return [];
  const [rows, lines, entries] = await Promise.all([
    db
      .selectFrom('credit_notes as n')
      .innerJoin('invoices as i', (join) => join.onRef('i.business_id', '=', 'n.business_id').onRef('i.id', '=', 'n.invoice_id'))
      .selectAll('n')
      .select(['i.number as invoice_number', 'i.date as invoice_date', 'i.place_of_supply', 'i.tax_regime'])
      .where('n.business_id', '=', businessId)
      .where('n.id', '=', sql<string>`any(${ids}::text[])`)
      .execute(),
    db.selectFrom('credit_note_lines').selectAll().where('business_id', '=', businessId).where('note_id', '=', sql<string>`any(${ids}::text[])`).orderBy('position').execute(),
    loadEntryViews(db, businessId, 'note_id', ids),
  ]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const found = byId.get(id);
    if (!found) return [];
    const { invoice_number, invoice_date, place_of_supply, tax_regime, ...row } = found;
    const invoice = { number: invoice_number, date: invoice_date, place_of_supply, tax_regime };
    const own = (lines as CreditNoteLineRow[]).filter((l) => l.note_id === id);
    return [noteView({ row, invoice, lines: own, entries: entries.get(id) ?? [] }, baseUrl)];
  });
}

export async function getNote(db: Db | Tx, businessId: string, kind: NoteKind, id: string, baseUrl: string): Promise<NoteView> {
  const [view] = await loadNotes(db, businessId, [id], baseUrl);
  if (!view || view.object !== kind) throw notFound(NOUN[kind], id);
  return view;
}

export interface NoteFilters {
  invoiceId?: string | undefined;
  customerId?: string | undefined;
  createdFrom?: string | undefined;
  createdTo?: string | undefined;
}

export async function listNotes(db: Db, businessId: string, kind: NoteKind, filters: NoteFilters, page: PageRequest, baseUrl: string): Promise<Page<NoteView>> {
  const keyset = decodeCursor(page.cursor);
  const clause = keysetClause(keyset);
  let query = db.selectFrom('credit_notes').where('business_id', '=', businessId).where('kind', '=', kind);
  if (filters.invoiceId) query = query.where('invoice_id', '=', filters.invoiceId);
  if (filters.customerId) query = query.where('customer_id', '=', filters.customerId);
  if (filters.createdFrom) query = query.where('created_at', '>=', filters.createdFrom);
  if (filters.createdTo) query = query.where('created_at', '<=', filters.createdTo);
  const pageQuery = clause.where ? query.where(clause.where) : query;
  const rows = await pageQuery.select(['id', 'created_at']).orderBy(clause.order as never).limit(page.limit + 1).execute();
  const total = await totalOf(query, page);
  const views = new Map((await loadNotes(db, businessId, rows.slice(0, page.limit).map((r) => r.id), baseUrl)).map((v) => [v.id, v]));
  return toPage(rows, page, keyset, total, (row) => views.get(row.id) as NoteView);
}

/** The note a hosted-page token addresses (public, no auth: the token is the secret). */
export async function findNoteByHostedToken(db: Db, businessId: string, token: string, baseUrl: string): Promise<NoteView> {
  const row = await db.selectFrom('credit_notes').select('id').where('business_id', '=', businessId).where('hosted_token', '=', token).executeTakeFirst();
  const [view] = row ? await loadNotes(db, businessId, [row.id], baseUrl) : [];
  if (!view) throw new DomainError('not_found.resource', 'Note not found.');
  return view;
}
