import { newHostedToken, uuidv7 } from '../../ids.ts';
import type { Business, CreditNoteLineRow, CreditNoteRow, InvoiceLineRow, NoteKind } from '../../db/schema.ts';
import {
  assertCanIssueNote,
  assertNoteDate,
  assertWithinCaps,
  balanceDue,
  type Components,
  type InvoiceLineTerms,
  type LineCredit,
  type NoteLine,
  type NoteLineInput,
  priceNoteLines,
  settleCredit,
  statusAfterNote,
} from '../../domain/credit-notes.ts';
import { parseDate, todayFor } from '../../domain/dates.ts';
import { formatScaled, parseScaled, toSafeNumber } from '../../domain/decimal.ts';
import { invalid, notFound } from '../../domain/errors.ts';
import type { InvoiceStatus } from '../../domain/invoice-state.ts';
import { type CreditSettlement, creditNoteLines, debitNoteLines, outOfBandSettlementLines, type PostingLine } from '../../domain/ledger.ts';
import type { InvoiceTotals } from '../../domain/pricing.ts';
import { isGstBusiness, MAX_TAX_RATE_E4, type TaxRegime } from '../../domain/tax.ts';
import type { LockedInvoice, NoteTotals } from './repository.ts';
import type { NoteInput, NoteLineInput as WireLine } from './types.ts';

/** An invoice as the notes of one request see it: updated by each note prepared on it. */
export interface InvoiceState {
  row: LockedInvoice;
  lines: Map<string, InvoiceLineTerms>;
  totals: NoteTotals;
  lineCredits: Map<string, LineCredit>;
  status: InvoiceStatus;
  amountCredited: bigint;
  creditPrePayment: bigint;
  amountDebited: bigint;
  paidOn: string | null;
}

export interface PreparedNote {
  row: Omit<CreditNoteRow, 'number'>;
  lines: CreditNoteLineRow[];
  /** Entry lines; the first is the note's posting, a second settles an out-of-band part. */
  postings: { kind: string; lines: PostingLine[] }[];
  settlement: CreditSettlement;
}

export function invoiceState(row: LockedInvoice, lines: InvoiceLineRow[], totals: NoteTotals | undefined, credits: Map<string, LineCredit>): InvoiceState {
  const zero: Components = { subtotal: 0n, cgst: 0n, sgst: 0n, igst: 0n, tax: 0n };
  const terms = lines.map((l): InvoiceLineTerms => ({
    id: l.id,
    name: l.name,
    hsnCode: l.hsn_code,
    quantityE4: parseScaled(l.quantity, 4, 'quantity'),
    unitPrice: BigInt(l.unit_price),
    discountPercentE4: l.discount_percent === null ? null : parseScaled(l.discount_percent, 4, 'discount_percent'),
    discountAmount: l.discount_amount === null ? null : BigInt(l.discount_amount),
    taxRateE4: parseScaled(l.tax_rate, 4, 'tax_rate'),
    taxable: BigInt(l.taxable),
  }));
  return {
    row,
    lines: new Map(terms.map((t) => [t.id, t])),
    totals: totals ?? { credited: zero, debited: zero },
    lineCredits: new Map([...credits].filter(([id]) => lines.some((l) => l.id === id))),
    status: row.status,
    amountCredited: BigInt(row.amount_credited),
    creditPrePayment: BigInt(row.credit_pre_payment),
    amountDebited: BigInt(row.amount_debited),
    paidOn: row.paid_on,
  };
}

function parseLine(line: WireLine, i: number): NoteLineInput {
  const field = `lines[${i}]`;
  if (line.line_id !== undefined) {
    if (line.description !== undefined || line.tax_rate !== undefined) {
      throw invalid('A line that refers to line_id takes the invoice line\'s description and tax rate; leave them out.', `${field}.line_id`);
    }
    if ((line.quantity === undefined) === (line.amount === undefined)) throw invalid('Give either quantity or amount with line_id.', `${field}.quantity`);
    if (line.quantity !== undefined) return { kind: 'quantity', lineId: line.line_id, quantityE4: parseScaled(line.quantity, 4, `${field}.quantity`) };
    return { kind: 'amount', lineId: line.line_id, amount: BigInt(line.amount as number) };
  }
  if (line.description === undefined) throw invalid('Give line_id, or description with amount and tax_rate.', `${field}.line_id`);
  if (line.quantity !== undefined) throw invalid('quantity applies only to a line_id line.', `${field}.quantity`);
  if (line.amount === undefined) throw invalid(`Field '${field}.amount' is required.`, `${field}.amount`);
  if (line.tax_rate === undefined) throw invalid(`Field '${field}.tax_rate' is required.`, `${field}.tax_rate`);
  const rate = parseScaled(line.tax_rate, 4, `${field}.tax_rate`);
  if (rate < 0n || rate > MAX_TAX_RATE_E4) throw invalid('Tax rate must be between 0 and 100 percent.', `${field}.tax_rate`);
  return { kind: 'free', description: line.description, amount: BigInt(line.amount), taxRateE4: rate };
}

const n = (value: bigint, field: string) => toSafeNumber(value, field);

function lineRows(businessId: string, noteId: string, lines: NoteLine[]): CreditNoteLineRow[] {
  return lines.map((l, i) => ({
    business_id: businessId,
    note_id: noteId,
    id: uuidv7(),
    position: i,
    invoice_line_id: l.invoiceLineId,
    name: l.name,
    hsn_code: l.hsnCode,
    quantity: l.quantityE4 === null ? null : formatScaled(l.quantityE4, 4),
    tax_rate: formatScaled(l.taxRateE4, 4),
    taxable: n(l.taxable, `lines[${i}]`),
    cgst: n(l.cgst, `lines[${i}]`),
    sgst: n(l.sgst, `lines[${i}]`),
    igst: n(l.igst, `lines[${i}]`),
    tax: n(l.tax, `lines[${i}]`),
    tax_total: n(l.taxTotal, `lines[${i}]`),
    total: n(l.total, `lines[${i}]`),
  }));
}

const components = (t: InvoiceTotals): Components => ({ subtotal: t.subtotal, cgst: t.cgst, sgst: t.sgst, igst: t.igst, tax: t.tax });
const add = (a: Components, b: Components): Components => ({
  subtotal: a.subtotal + b.subtotal,
  cgst: a.cgst + b.cgst,
  sgst: a.sgst + b.sgst,
  igst: a.igst + b.igst,
  tax: a.tax + b.tax,
});

const amountOf = (value: number | undefined) => BigInt(value ?? 0);

/** The credit side: caps, then the split of the total into unpaid and settled parts; updates the state. */
function applyCredit(state: InvoiceState, totals: InvoiceTotals, input: NoteInput, date: string): CreditSettlement {
  const invoice = state.row;
  const limit = add({ subtotal: BigInt(invoice.subtotal), cgst: BigInt(invoice.cgst), sgst: BigInt(invoice.sgst), igst: BigInt(invoice.igst), tax: BigInt(invoice.tax) }, state.totals.debited);
  assertWithinCaps(limit, state.totals.credited, components(totals), invoice.currency);
  const due = balanceDue({ total: BigInt(invoice.total), totalPaid: BigInt(invoice.total_paid), creditPrePayment: state.creditPrePayment, amountDebited: state.amountDebited });
  const settlement = settleCredit(totals.total, due, {
    refund: amountOf(input.refund_amount),
    credit: amountOf(input.credit_amount),
    outOfBand: amountOf(input.out_of_band_amount),
    currency: invoice.currency,
  });
  state.totals = { ...state.totals, credited: add(state.totals.credited, components(totals)) };
  state.amountCredited += totals.total;
  state.creditPrePayment += settlement.prePayment;
  updateStatus(state, due - settlement.prePayment, date);
  return settlement;
}

/** A debit note raises the balance; it has nothing to settle. */
function applyDebit(state: InvoiceState, totals: InvoiceTotals, date: string): CreditSettlement {
  const invoice = state.row;
  const due = balanceDue({ total: BigInt(invoice.total), totalPaid: BigInt(invoice.total_paid), creditPrePayment: state.creditPrePayment, amountDebited: state.amountDebited });
  state.totals = { ...state.totals, debited: add(state.totals.debited, components(totals)) };
  state.amountDebited += totals.total;
  updateStatus(state, due + totals.total, date);
  return { prePayment: 0n, refund: 0n, credit: 0n, outOfBand: 0n };
}

export function updateStatus(state: InvoiceState, due: bigint, date: string): void {
  const next = statusAfterNote(state.status, due, BigInt(state.row.total_paid));
  if (next !== state.status) state.paidOn = due === 0n ? `${date}T00:00:00.000Z` : null;
  state.status = next;
}

function postings(kind: NoteKind, totals: InvoiceTotals, settlement: CreditSettlement): PreparedNote['postings'] {
  if (kind === 'debit_note') return [{ kind: 'debit_note', lines: debitNoteLines(totals) }];
  const entries = [{ kind: 'credit_note', lines: creditNoteLines(totals, settlement) }];
  if (settlement.outOfBand > 0n) entries.push({ kind: 'credit_note_out_of_band', lines: outOfBandSettlementLines(settlement.outOfBand) });
  return entries;
}

export interface PrepareNoteOptions {
  kind: NoteKind;
  business: Business;
  clock: () => Date;
  now: string;
  maxLines: number;
}

/**
 * Validates and prices one note against the invoice state; on success the state shows the
 * note's effect, so later notes of the same request on that invoice see it.
 */
export function prepareNote(input: NoteInput, invoices: Map<string, InvoiceState>, options: PrepareNoteOptions): PreparedNote {
  const { kind, business, now } = options;
  const state = invoices.get(input.invoice_id);
  if (!state) throw notFound('Invoice', input.invoice_id, 'invoice_id');
  assertCanIssueNote(kind, state.status);
  if (input.lines.length > options.maxLines) throw invalid(`At most ${options.maxLines} lines per note.`, 'lines');
  const date = input.date === undefined ? todayFor(business, options.clock) : parseDate(input.date, 'date');
  assertNoteDate(kind, isGstBusiness(business), state.row.date, date);
  if (kind === 'debit_note' && (input.refund_amount || input.credit_amount || input.out_of_band_amount)) {
    throw invalid('A debit note has no settlement amounts.', 'refund_amount');
  }
  const parsed = input.lines.map(parseLine);
  const lineCredits = new Map(state.lineCredits);
  const priced = priceNoteLines(parsed, { kind, lines: state.lines, regime: state.row.tax_regime as TaxRegime, currency: state.row.currency, credited: lineCredits });
  const t = priced.totals;
  const trial = { ...state };
  const settlement = kind === 'credit_note' ? applyCredit(trial, t, input, date) : applyDebit(trial, t, date);
  Object.assign(state, trial, { lineCredits });
  const id = uuidv7();
  const invoice = state.row;
  return {
    row: {
      business_id: business.id,
      id,
      kind,
      invoice_id: invoice.id,
      customer_id: invoice.customer_id as string,
      currency: invoice.currency,
      date,
      status: 'issued',
      reason: input.reason ?? null,
      memo: input.memo ?? null,
      subtotal: n(t.subtotal, 'lines'),
      cgst: n(t.cgst, 'lines'),
      sgst: n(t.sgst, 'lines'),
      igst: n(t.igst, 'lines'),
      tax: n(t.tax, 'lines'),
      tax_total: n(t.taxTotal, 'lines'),
      total: n(t.total, 'lines'),
      pre_payment_amount: n(settlement.prePayment, 'lines'),
      refund_amount: n(settlement.refund, 'refund_amount'),
      credit_amount: n(settlement.credit, 'credit_amount'),
      out_of_band_amount: n(settlement.outOfBand, 'out_of_band_amount'),
      hosted_token: newHostedToken(),
      created_at: now,
      voided_at: null,
    },
    lines: lineRows(business.id, id, priced.lines),
    postings: postings(kind, t, settlement),
    settlement,
  };
}
