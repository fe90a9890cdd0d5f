import { uuidv7 } from '../../ids.ts';
import type { Business, InvoiceRow } from '../../db/schema.ts';
import { INVOICE_COLUMNS, LINE_COLUMNS } from '../../db/columns.ts';
import { enqueueJobs } from '../../jobs/queue.ts';
import { autoSendJob } from '../delivery/send-invoices.ts';
import { insertRows } from '../../db/insert-rows.ts';
import { statusAfterApproval } from '../../domain/invoice-state.ts';
import { billApprovedLines, invoiceFinalizedLines } from '../../domain/ledger.ts';
import type { InvoiceTotals } from '../../domain/pricing.ts';
import type { Tx } from '../context.ts';
import { emitEvents, type OutboxEvent } from '../events/outbox.ts';
import { postEntries } from '../ledger/journal.ts';
import { applyCustomerCredits, creditEvents } from '../notes/customer-credits.ts';
import { pendingSync, pushOnFinalize } from '../stripe/syncs.ts';
import { takeEntityIds, takeInvoiceNumbers } from './numbering.ts';
import type { PreparedDocument } from './prepare.ts';
import type { JournalEntryDraft } from './types.ts';
import { documentJson, type DocumentView, documentView, type EntryView } from './view.ts';

export const eventPrefix = (kind: InvoiceRow['kind']) => (kind === 'invoice' ? 'INVOICE' : 'BILL');

/** The posting a document makes when it is finalized (invoice) or approved (bill). */
export function approvalEntry(row: InvoiceRow, totals: InvoiceTotals, createdAt: string): JournalEntryDraft {
  const invoice = row.kind === 'invoice';
  return {
    id: uuidv7(),
    invoiceId: row.id,
    kind: invoice ? 'invoice_finalized' : 'bill_approved',
    memo: invoice ? `Invoice ${row.number}` : `Bill ${row.bill_number} from ${row.party_name}`,
    currency: row.currency,
    date: row.date,
    createdAt,
    lines: invoice ? invoiceFinalizedLines(totals) : billApprovedLines(totals),
  };
}

export function entryView(entry: JournalEntryDraft): EntryView {
  return {
    id: entry.id,
    kind: entry.kind,
    memo: entry.memo,
    currency: entry.currency,
    date: entry.date,
    created_at: entry.createdAt,
    lines: entry.lines.map((l) => ({ account_code: l.account, debit: Number(l.debit), credit: Number(l.credit) })),
  };
}

/**
 * The row of a document as it is written. Every column is spelled out, on purpose: V8 builds
 * `{ ...prepared, status, … }` key by key in its slow path (12 µs a row), and
 * `Object.assign({}, prepared, {…})` leaves 45 keys in dictionary mode, which JSON.stringify
 * and every later read walk slowly (1.7x, docs/PERFORMANCE.md). A literal is fast for both.
 */
function invoiceRow(d: PreparedDocument, number: string | null, entityId: string | null, now: string): InvoiceRow {
  const i = d.invoice;
  return {
    business_id: i.business_id,
    id: i.id,
    kind: i.kind,
    status: d.approve ? statusAfterApproval(d.totals.total) : 'draft',
    customer_id: i.customer_id,
    vendor_id: i.vendor_id,
    party_name: i.party_name,
    party_email: i.party_email,
    party_address: i.party_address,
    party_state: i.party_state,
    party_gstin: i.party_gstin,
    number,
    bill_number: i.bill_number,
    currency: i.currency,
    date: i.date,
    due_date: i.due_date,
    place_of_supply: i.place_of_supply,
    tax_regime: i.tax_regime,
    description: i.description,
    reference: i.reference,
    subtotal: i.subtotal,
    discount_total: i.discount_total,
    cgst: i.cgst,
    sgst: i.sgst,
    igst: i.igst,
    tax: i.tax,
    tax_total: i.tax_total,
    total: i.total,
    total_paid: 0,
    amount_credited: 0,
    credit_pre_payment: 0,
    amount_debited: 0,
    hosted_token: i.hosted_token,
    order_id: i.order_id,
    import_id: i.import_id,
    entity_id: entityId,
    stripe_invoice_id: null,
    recurring_template_id: i.recurring_template_id,
    delivered: false,
    delivered_on: null,
    paid_on: d.approve && d.totals.total === 0n ? now : null,
    finalized_at: d.approve ? now : null,
    voided_at: null,
    created_at: i.created_at,
    updated_at: i.updated_at,
  };
}

/**
 * Writes prepared documents set-based inside the caller's transaction: counters reserved
 * once per batch, then one multi-row statement per table (invoices, lines, journal entries,
 * journal lines, events). `trailing` events (a bulk call's aggregate) go after the documents'
 * own, in the same outbox row. Returns the views in input order, built from what was written.
 */
export async function writeDocuments(
  tx: Tx,
  business: Business,
  docs: PreparedDocument[],
  now: string,
  baseUrl: string,
  trailing: OutboxEvent[] = [],
): Promise<DocumentView[]> {
  if (docs.length === 0) {
    await emitEvents(tx, business.id, now, trailing);
    return [];
  }
  const invoices = docs.filter((d) => d.invoice.kind === 'invoice');
  const approvedInvoices = invoices.filter((d) => d.approve);
  // Entity ids belong to the orders dialect (seeds/003). Taking them only there keeps other
  // batches off the counter row, whose lock would serialize concurrent batches of a business.
  const fromOrders = invoices.filter((d) => d.invoice.order_id !== null);
  const entityIds = await takeEntityIds(tx, business.id, fromOrders.length);
  const numbers = await takeInvoiceNumbers(tx, business, approvedInvoices.map((d) => d.invoice.date));
  const entityOf = new Map(fromOrders.map((d, i) => [d, entityIds[i] ?? null]));
  const numberOf = new Map(approvedInvoices.map((d, i) => [d, numbers[i] ?? null]));
  const rows = docs.map((d) => invoiceRow(d, numberOf.get(d) ?? null, entityOf.get(d) ?? null, now));
  const entries = docs.map((d, i) => (d.approve ? approvalEntry(rows[i] as InvoiceRow, d.totals, now) : undefined));
  await insertRows(tx, 'invoices', INVOICE_COLUMNS, rows);
  await insertRows(tx, 'invoice_lines', LINE_COLUMNS, docs.flatMap((d) => d.lines));
  await postEntries(tx, business.id, entries.filter((e): e is JournalEntryDraft => e !== undefined));
  const applied = new Map((await applyCustomerCredits(tx, business.id, rows.filter((r) => r.finalized_at !== null), now)).map((a) => [a.invoiceId, a]));
  const built = docs.map((d, i) => {
    const entry = entries[i];
    const row = rows[i] as InvoiceRow;
    const credit = applied.get(row.id);
    const posted = [...(entry && entry.lines.length > 0 ? [entry] : []), ...(credit ? [credit.entry] : [])].map(entryView);
    const shown = credit ? { ...row, status: credit.status, total_paid: credit.totalPaid, paid_on: credit.paidOn } : row;
    return documentView({ row: shown, lines: d.lines, entries: posted, payments: credit ? [credit.payment] : [] }, baseUrl);
  });
  const pushed = await pushOnFinalize(tx, business.id, built, now);
  const views = pushed.size === 0 ? built : built.map((v) => (pushed.has(v.id) ? { ...v, stripe_sync: pendingSync() } : v));
  const byId = new Map(views.map((view) => [view.id, view]));
  const credited = creditEvents([...applied.values()], (id) => byId.get(id) as DocumentView);
  await emitEvents(tx, business.id, now, [...views.flatMap((view) => creationEvents(view)), ...credited, ...trailing]);
  // auto_send: the mail jobs commit with the invoices they send.
  await enqueueJobs(
    tx,
    docs.flatMap((d) => (d.send ? [autoSendJob(business.id, d.invoice.id, d.invoice.party_email as string)] : [])),
    new Date(now),
  );
  return views;
}

function creationEvents(view: DocumentView): OutboxEvent[] {
  const prefix = eventPrefix(view.object);
  const json = documentJson(view);
  const events: OutboxEvent[] = [{ type: `${prefix}_CREATED`, data: view, json }];
  if (view.finalized_at !== null) events.push({ type: `${prefix}_APPROVED`, data: view, json });
  return events;
}
