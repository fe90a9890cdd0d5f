import { sql } from 'kysely';
import { uuidv7 } from '../../ids.ts';
import type { Business, CreditNoteLineRow, CreditNoteRow, NoteKind } from '../../db/schema.ts';
import { type ColumnType, insertRows } from '../../db/insert-rows.ts';
import { settlesInvoice } from '../../domain/credit-notes.ts';
import { DomainError } from '../../domain/errors.ts';
import { getBusiness } from '../businesses/create-business.ts';
import { type Context, type Tx, transact } from '../context.ts';
import { emitEvents, type OutboxEvent } from '../events/outbox.ts';
import { takeNumbers } from '../invoicing/numbering.ts';
import { loadDocuments } from '../invoicing/read.ts';
import type { JournalEntryDraft } from '../invoicing/types.ts';
import { entryView } from '../invoicing/write.ts';
import { postEntries } from '../ledger/journal.ts';
import { addCustomerCredits } from './customer-credits.ts';
import { type InvoiceState, invoiceState, type PreparedNote, prepareNote } from './prepare-note.ts';
import { invoiceLines, type LockedInvoice, lineCredits, lockInvoices, noteTotals } from './repository.ts';
import type { NoteInput } from './types.ts';
import { type NoteView, noteView } from './view.ts';

const money = 'bigint' as const;
const tax = { cgst: money, sgst: money, igst: money, tax: money, tax_total: money, total: money };

const NOTE_COLUMNS: Record<keyof CreditNoteRow, ColumnType> = {
  ...{ business_id: 'text', id: 'text', kind: 'text', number: 'text', invoice_id: 'text', customer_id: 'text', currency: 'text' },
  ...{ date: 'date', status: 'text', reason: 'text', memo: 'text', subtotal: money, ...tax },
  ...{ pre_payment_amount: money, refund_amount: money, credit_amount: money, out_of_band_amount: money },
  ...{ hosted_token: 'text', created_at: 'timestamptz', voided_at: 'timestamptz' },
};

const NOTE_LINE_COLUMNS: Record<keyof CreditNoteLineRow, ColumnType> = {
  ...{ business_id: 'text', note_id: 'text', id: 'text', position: 'int', invoice_line_id: 'text', name: 'text' },
  ...{ hsn_code: 'text', quantity: 'numeric', tax_rate: 'numeric', taxable: money, ...tax },
};

export const NOTE_EVENT: Record<NoteKind, string> = { credit_note: 'CREDIT_NOTE', debit_note: 'DEBIT_NOTE' };
const LABEL: Record<NoteKind, string> = { credit_note: 'Credit note', debit_note: 'Debit note' };

export type NoteResult = { ok: true; note: NoteView } | { ok: false; error: DomainError };

export interface NoteOutcome {
  results: NoteResult[];
  succeeded: number;
  failed: number;
}

export interface CreateNoteOptions {
  kind: NoteKind;
  maxLines: number;
  /** Emit the aggregate *_BULK_CREATED event (bulk surface). */
  bulkEvent?: boolean | undefined;
}

type Slot = { input?: NoteInput; prepared?: PreparedNote; error?: DomainError };

/** Locks the invoices (documents first), then reads their lines and what notes already did. */
async function loadInvoiceStates(tx: Tx, businessId: string, inputs: NoteInput[]): Promise<Map<string, InvoiceState>> {
  const locked = await lockInvoices(tx, businessId, inputs.map((i) => i.invoice_id));
  const ids = [...locked.keys()];
  const [lines, totals, credits] = await Promise.all([invoiceLines(tx, businessId, ids), noteTotals(tx, businessId, ids), lineCredits(tx, businessId, ids)]);
  return new Map(ids.map((id) => [id, invoiceState(locked.get(id) as LockedInvoice, lines.filter((l) => l.invoice_id === id), totals.get(id), credits)]));
}

function prepareAll(slots: Slot[], states: Map<string, InvoiceState>, business: Business, ctx: Context, options: CreateNoteOptions, now: string): void {
  for (const slot of slots) {
    if (!slot.input) continue;
    try {
      slot.prepared = prepareNote(slot.input, states, { kind: options.kind, business, clock: ctx.clock, now, maxLines: options.maxLines });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      slot.error = error;
    }
  }
}

function entriesOf(notes: (PreparedNote & { number: string })[], now: string): JournalEntryDraft[] {
  return notes.flatMap(({ row, number, postings }) =>
    postings.map((p) => ({
      id: uuidv7(),
      invoiceId: row.invoice_id,
      noteId: row.id,
      kind: p.kind,
      memo: `${LABEL[row.kind]} ${number}${p.kind === 'credit_note_out_of_band' ? ' settled out of band' : ''}`,
      currency: row.currency,
      date: row.date,
      createdAt: now,
      lines: p.lines,
    })),
  );
}

/** One statement for every invoice the notes touched: its note amounts and status. */
async function updateInvoices(tx: Tx, businessId: string, states: InvoiceState[], now: string): Promise<void> {
  if (states.length === 0) return;
  const rows = states.map((s) => ({
    id: s.row.id,
    status: s.status,
    amount_credited: Number(s.amountCredited),
    credit_pre_payment: Number(s.creditPrePayment),
    amount_debited: Number(s.amountDebited),
    paid_on: s.paidOn,
  }));
  await sql`
    update invoices i set status = r.status, amount_credited = r.amount_credited, credit_pre_payment = r.credit_pre_payment,
      amount_debited = r.amount_debited, paid_on = r.paid_on, updated_at = ${now}::timestamptz
    from json_to_recordset(${JSON.stringify(rows)}::json)
      as r(id text, status text, amount_credited bigint, credit_pre_payment bigint, amount_debited bigint, paid_on timestamptz)
    where i.business_id = ${businessId} and i.id = r.id`.execute(tx);
}

/** The views of notes just written, from what was written (no read-back inside the counter lock). */
function viewsOf(notes: Numbered[], entries: JournalEntryDraft[], states: Map<string, InvoiceState>, baseUrl: string): NoteView[] {
  return notes.map((p) => {
    const invoice = (states.get(p.row.invoice_id) as InvoiceState).row;
    const own = entries.filter((e) => e.noteId === p.row.id).map(entryView);
    const about = { number: invoice.number, date: invoice.date, place_of_supply: invoice.place_of_supply, tax_regime: invoice.tax_regime };
    return noteView({ row: { ...p.row, number: p.number }, invoice: about, lines: p.lines, entries: own }, baseUrl);
  });
}

type Numbered = PreparedNote & { number: string };

/** INVOICE_PAID for each invoice the notes settled, with the invoice as it is now (read only when one did). */
async function paidEvents(tx: Tx, ctx: Context, states: InvoiceState[]): Promise<OutboxEvent[]> {
  const settled = states.filter((s) => settlesInvoice(s.row.status, s.status)).map((s) => s.row.id);
  const views = await loadDocuments(tx, ctx.businessId, 'invoice', settled, ctx.baseUrl);
  return views.map((view) => ({ type: 'INVOICE_PAID', data: view }));
}

async function writeNotes(tx: Tx, ctx: Context, business: Business, slots: Slot[], states: Map<string, InvoiceState>, options: CreateNoteOptions, now: string): Promise<NoteOutcome> {
  const good = slots.filter((s) => s.prepared).map((s) => s.prepared as PreparedNote);
  // The invoices are locked already; updating them before taking numbers keeps the counter
  // row (which serializes concurrent calls) locked for as few statements as possible.
  const touched = new Set(good.map((p) => p.row.invoice_id));
  const changed = [...states.values()].filter((s) => touched.has(s.row.id));
  await updateInvoices(tx, business.id, changed, now);
  const prefix = options.kind === 'credit_note' ? business.credit_note_prefix : business.debit_note_prefix;
  const numbers = good.length === 0 ? [] : await takeNumbers(tx, business, { series: options.kind, prefix }, good.map((p) => p.row.date));
  const numbered: Numbered[] = good.map((p, i) => ({ ...p, number: numbers[i] as string }));
  await insertRows(tx, 'credit_notes', NOTE_COLUMNS, numbered.map((p) => ({ ...p.row, number: p.number })));
  await insertRows(tx, 'credit_note_lines', NOTE_LINE_COLUMNS, numbered.flatMap((p) => p.lines));
  const entries = entriesOf(numbered, now);
  await postEntries(tx, business.id, entries);
  const credits = good.map((p) => ({ customerId: p.row.customer_id, currency: p.row.currency, amount: p.settlement.credit }));
  await addCustomerCredits(tx, business.id, credits, now);
  const views = viewsOf(numbered, entries, states, ctx.baseUrl);
  const prefixEvent = NOTE_EVENT[options.kind];
  const events: OutboxEvent[] = [...views.map((view) => ({ type: `${prefixEvent}_CREATED`, data: view })), ...(await paidEvents(tx, ctx, changed))];
  const failed = slots.length - good.length;
  if (options.bulkEvent) events.push({ type: `${prefixEvent}_BULK_CREATED`, data: { count: good.length, failed, batch_size: slots.length } });
  await emitEvents(tx, business.id, now, events);
  const byId = new Map(views.map((v) => [v.id, v]));
  const results: NoteResult[] = slots.map((s) =>
    s.prepared ? { ok: true, note: byId.get(s.prepared.row.id) as NoteView } : { ok: false, error: s.error as DomainError },
  );
  return { results, succeeded: good.length, failed };
}

/**
 * Issues credit or debit notes, each independently (a bad one fails alone): one transaction
 * locks the invoices (in id order), prices every note against them in request order (so
 * notes on the same invoice see each other), takes the numbers from the note series, and
 * writes notes, lines, journal, invoice changes, customer credits and events set-based.
 * Entries that failed validation upstream arrive as DomainErrors in place.
 */
export function createNotes(ctx: Context, inputs: (NoteInput | DomainError)[], options: CreateNoteOptions): Promise<NoteOutcome> {
  return transact(ctx, (tx) => issueNotes(tx, ctx, inputs, options));
}

/**
 * Single create: the same path with one note. Its failure is the request's error and
 * nothing is written; the transaction's result is the note itself, which is what an
 * idempotency record stores.
 */
export function createNote(ctx: Context, input: NoteInput, options: Omit<CreateNoteOptions, 'bulkEvent'>): Promise<NoteView> {
  return transact(ctx, async (tx) => {
    const [result] = (await issueNotes(tx, ctx, [input], options)).results;
    if (!result) throw new Error('a note request produced no result');
    if (!result.ok) throw result.error;
    return result.note;
  });
}

/** Issues notes inside a caller's transaction (Stripe's charge.refunded records its event id with the note). */
export async function issueNotes(tx: Tx, ctx: Context, inputs: (NoteInput | DomainError)[], options: CreateNoteOptions): Promise<NoteOutcome> {
  const now = ctx.clock().toISOString();
  const slots: Slot[] = inputs.map((input) => (input instanceof DomainError ? { error: input } : { input }));
  const business = await getBusiness(tx, ctx.businessId);
  const states = await loadInvoiceStates(tx, ctx.businessId, slots.flatMap((s) => (s.input ? [s.input] : [])));
  prepareAll(slots, states, business, ctx, options, now);
  return writeNotes(tx, ctx, business, slots, states, options, now);
}
