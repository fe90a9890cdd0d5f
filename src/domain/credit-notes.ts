import { DomainError, invalid } from './errors.ts';
import type { InvoiceStatus } from './invoice-state.ts';
import type { CreditSettlement } from './ledger.ts';
import { describeMoney, mulDivHalfUp } from './money.ts';
import { fiscalYearOf } from './numbering.ts';
import { type InvoiceTotals, priceLine, sumLines } from './pricing.ts';
import { lineTax, sumTax, type TaxComponents, type TaxRegime } from './tax.ts';

/**
 * Credit and debit notes (CGST Act s.34, rule 53): pricing of their lines with the invoice's
 * own terms, the cumulative caps, the split of a credit into what was still unpaid and what
 * must be settled, the GST time limit, and the invoice's status afterwards. Pure.
 */
export type NoteKind = 'credit_note' | 'debit_note';

export const NOTE_REASONS = ['sales_return', 'post_sale_discount', 'deficiency', 'correction', 'change_in_pos', 'other'] as const;
export type NoteReason = (typeof NOTE_REASONS)[number];

/** The stored terms of the invoice line a note line refers to. */
export interface InvoiceLineTerms {
  id: string;
  name: string;
  hsnCode: string | null;
  quantityE4: bigint;
  unitPrice: bigint;
  discountPercentE4: bigint | null;
  discountAmount: bigint | null;
  taxRateE4: bigint;
  taxable: bigint;
}

export type NoteLineInput =
  | { kind: 'quantity'; lineId: string; quantityE4: bigint }
  | { kind: 'amount'; lineId: string; amount: bigint }
  | { kind: 'free'; description: string; amount: bigint; taxRateE4: bigint };

export interface NoteLine extends TaxComponents {
  invoiceLineId: string | null;
  name: string;
  hsnCode: string | null;
  quantityE4: bigint | null;
  taxRateE4: bigint;
  taxable: bigint;
  taxTotal: bigint;
  total: bigint;
}

export interface LineCredit extends TaxComponents {
  taxable: bigint;
}

/** What issued credit notes already credited per invoice line (the base of cumulative rounding). */
export type LineCredits = Map<string, LineCredit>;

const NONE: LineCredit = { taxable: 0n, cgst: 0n, sgst: 0n, igst: 0n, tax: 0n };

function lineTerms(lines: ReadonlyMap<string, InvoiceLineTerms>, id: string, field: string): InvoiceLineTerms {
  const line = lines.get(id);
  if (!line) throw new DomainError('not_found.resource', `Line '${id}' is not a line of this invoice.`, `${field}.line_id`);
  return line;
}

/** Taxable value of part of a line's quantity at its price and discount; an amount discount is prorated. */
function partOfLine(line: InvoiceLineTerms, quantityE4: bigint, regime: TaxRegime, field: string, kind: NoteKind) {
  if (quantityE4 <= 0n) throw invalid('Quantity must be greater than 0.', `${field}.quantity`);
  if (kind === 'credit_note' && quantityE4 > line.quantityE4) {
    throw invalid(`Quantity exceeds the invoice line's quantity.`, `${field}.quantity`);
  }
  const discountAmount = line.discountAmount === null ? null : mulDivHalfUp(line.discountAmount, quantityE4, line.quantityE4);
  const input = { quantityE4, unitPrice: line.unitPrice, discountPercentE4: line.discountPercentE4, discountAmount, taxRateE4: line.taxRateE4 };
  return priceLine(input, regime, field);
}

function noteLine(base: Omit<NoteLine, 'taxTotal' | 'total'>): NoteLine {
  const taxTotal = sumTax(base);
  return { ...base, taxTotal, total: base.taxable + taxTotal };
}

/**
 * A credited line's tax is the line's tax on everything credited so far minus what earlier
 * notes credited: the same half-up rounding as the invoice, so crediting a whole line in
 * parts reverses exactly its tax and the parts never round above it.
 */
function creditedTax(regime: TaxRegime, rate: bigint, taxable: bigint, prior: LineCredit): TaxComponents {
  const cumulative = lineTax(prior.taxable + taxable, rate, regime);
  const part = (k: keyof TaxComponents) => (cumulative[k] > prior[k] ? cumulative[k] - prior[k] : 0n);
  return { cgst: part('cgst'), sgst: part('sgst'), igst: part('igst'), tax: part('tax') };
}

function referencedLine(
  input: Extract<NoteLineInput, { lineId: string }>,
  ctx: PriceContext,
  field: string,
): NoteLine {
  const line = lineTerms(ctx.lines, input.lineId, field);
  const byQuantity = input.kind === 'quantity';
  const taxable = byQuantity ? partOfLine(line, input.quantityE4, ctx.regime, field, ctx.kind).taxable : input.amount;
  const quantityE4 = byQuantity ? input.quantityE4 : null;
  const base = { invoiceLineId: line.id, name: line.name, hsnCode: line.hsnCode, quantityE4, taxRateE4: line.taxRateE4, taxable };
  if (taxable <= 0n) throw invalid('The amount to credit must be greater than 0.', `${field}.${byQuantity ? 'quantity' : 'amount'}`);
  if (ctx.kind === 'debit_note') return noteLine({ ...base, ...lineTax(taxable, line.taxRateE4, ctx.regime) });
  const prior = ctx.credited.get(line.id) ?? NONE;
  if (prior.taxable + taxable > line.taxable) {
    const m = (x: bigint) => describeMoney(x, ctx.currency);
    throw invalid(`Credits on this line would exceed its taxable value, ${m(line.taxable)} (${m(prior.taxable)} already credited).`, `${field}.${byQuantity ? 'quantity' : 'amount'}`);
  }
  const tax = creditedTax(ctx.regime, line.taxRateE4, taxable, prior);
  ctx.credited.set(line.id, {
    taxable: prior.taxable + taxable,
    cgst: prior.cgst + tax.cgst,
    sgst: prior.sgst + tax.sgst,
    igst: prior.igst + tax.igst,
    tax: prior.tax + tax.tax,
  });
  return noteLine({ ...base, ...tax });
}

interface PriceContext {
  kind: NoteKind;
  lines: ReadonlyMap<string, InvoiceLineTerms>;
  regime: TaxRegime;
  currency: string;
  /** Updated as lines are priced, so two lines on the same invoice line add up. */
  credited: LineCredits;
}

/** Prices a note's lines with the invoice's regime and each referenced line's own terms. */
export function priceNoteLines(inputs: NoteLineInput[], ctx: PriceContext): { lines: NoteLine[]; totals: InvoiceTotals } {
  if (inputs.length === 0) throw invalid('At least one line is required.', 'lines');
  const lines = inputs.map((input, i) => {
    const field = `lines[${i}]`;
    if (input.kind !== 'free') return referencedLine(input, ctx, field);
    if (input.amount <= 0n) throw invalid('Amount must be greater than 0.', `${field}.amount`);
    const tax = lineTax(input.amount, input.taxRateE4, ctx.regime);
    return noteLine({ invoiceLineId: null, name: input.description, hsnCode: null, quantityE4: null, taxRateE4: input.taxRateE4, taxable: input.amount, ...tax });
  });
  const totals = sumLines(lines.map((l) => ({ ...l, amount: l.taxable, discount: 0n })));
  return { lines, totals };
}

/** The amounts credit notes may not exceed, cumulatively, per invoice. */
export interface Components extends TaxComponents {
  subtotal: bigint;
}

const CAPPED = ['subtotal', 'cgst', 'sgst', 'igst', 'tax'] as const;

/** Across all of an invoice's credit notes, net and each tax component stay within the invoice's. */
export function assertWithinCaps(limit: Components, credited: Components, note: Components, currency: string): void {
  const m = (x: bigint) => describeMoney(x, currency);
  for (const component of CAPPED) {
    const after = credited[component] + note[component];
    if (after > limit[component]) {
      throw invalid(
        `Credit notes would credit ${m(after)} of ${component}, more than the invoice's ${m(limit[component])} (${m(credited[component])} already credited).`,
        component,
      );
    }
  }
}

export interface SettlementInput {
  refund: bigint;
  credit: bigint;
  outOfBand: bigint;
  currency: string;
}

/**
 * Splits a credit of `total` into what the invoice still owed (it only lowers the balance)
 * and the rest, which refund + customer credit + out of band must settle exactly.
 */
export function settleCredit(total: bigint, balanceDue: bigint, input: SettlementInput): CreditSettlement {
  const prePayment = total < balanceDue ? total : balanceDue > 0n ? balanceDue : 0n;
  const post = total - prePayment;
  const given = input.refund + input.credit + input.outOfBand;
  if (given !== post) {
    const field = input.refund > 0n ? 'refund_amount' : input.credit > 0n ? 'credit_amount' : input.outOfBand > 0n ? 'out_of_band_amount' : 'refund_amount';
    throw invalid(
      `refund_amount + credit_amount + out_of_band_amount must equal the part of the credit above the unpaid balance: ${describeMoney(post, input.currency)} (got ${describeMoney(given, input.currency)}).`,
      field,
    );
  }
  return { prePayment, refund: input.refund, credit: input.credit, outOfBand: input.outOfBand };
}

/** s.34(2): a GST credit note is issued by 30 November after the end of the supply's financial year (April–March). */
export function creditNoteDeadline(invoiceDate: string): string {
  const start = Number(fiscalYearOf(invoiceDate, 4).slice(0, 4));
  return `${start + 1}-11-30`;
}

export function assertNoteDate(kind: NoteKind, gst: boolean, invoiceDate: string, date: string): void {
  if (date < invoiceDate) throw invalid(`date must not be before the invoice date (${invoiceDate}).`, 'date');
  if (kind === 'credit_note' && gst && date > creditNoteDeadline(invoiceDate)) {
    throw invalid(
      `A GST credit note for an invoice of ${invoiceDate} must be dated by ${creditNoteDeadline(invoiceDate)} (CGST Act s.34(2)).`,
      'date',
    );
  }
}

const NOTE_TARGETS: ReadonlySet<InvoiceStatus> = new Set(['open', 'partially_paid', 'manual_paid', 'stripe_paid']);
const PAID: ReadonlySet<InvoiceStatus> = new Set(['manual_paid', 'stripe_paid']);

/** A note that takes the balance to zero settles the invoice: INVOICE_PAID, as a payment would. */
export const settlesInvoice = (before: InvoiceStatus, after: InvoiceStatus) => !PAID.has(before) && PAID.has(after);

export function assertCanIssueNote(kind: NoteKind, status: InvoiceStatus): void {
  if (!NOTE_TARGETS.has(status)) {
    const noun = kind === 'credit_note' ? 'credit note' : 'debit note';
    throw new DomainError('state.invalid', `Cannot issue a ${noun} on an invoice in status '${status}'.`);
  }
}

/**
 * An invoice's status after a note changed its balance. Credited down to zero it counts as
 * settled ('manual_paid', as Stripe marks a fully credited invoice paid) rather than a new
 * status; a balance that reappears (debit note, voided credit) reopens it.
 */
export function statusAfterNote(current: InvoiceStatus, balanceDue: bigint, totalPaid: bigint): InvoiceStatus {
  if (balanceDue === 0n) return PAID.has(current) ? current : 'manual_paid';
  return totalPaid > 0n ? 'partially_paid' : 'open';
}

/** What the customer still owes on an invoice after payments and notes. */
export function balanceDue(invoice: { total: bigint; totalPaid: bigint; creditPrePayment: bigint; amountDebited: bigint }): bigint {
  return invoice.total + invoice.amountDebited - invoice.totalPaid - invoice.creditPrePayment;
}
