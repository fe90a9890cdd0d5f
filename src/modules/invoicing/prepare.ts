import { newHostedToken, uuidv7 } from '../../ids.ts';
import type { Business, InvoiceKind, InvoiceLineRow, InvoiceRow } from '../../db/schema.ts';
import { isCurrency, toMinorUnits } from '../../domain/currency.ts';
import { addDays, parseDate, todayFor } from '../../domain/dates.ts';
import { formatScaled, parseScaled, toSafeNumber } from '../../domain/decimal.ts';
import { DomainError, invalid, notFound, required } from '../../domain/errors.ts';
import { type InvoiceTotals, type LineInput, type PricedLine, priceInvoice } from '../../domain/pricing.ts';
import { isGstBusiness, isPlaceOfSupply, taxRegime } from '../../domain/tax.ts';
import type { AnyRow } from '../catalog/records.ts';
import type { DocumentInput, DocumentOrigin, LineItemInput } from './types.ts';

/** Everything a batch references, resolved beforehand with one query per kind. */
export interface References {
  business: Business;
  parties: Map<string, AnyRow>;
  items: Map<string, AnyRow>;
}

export interface PrepareOptions {
  kind: InvoiceKind;
  maxLineItems: number;
  now: string;
  clock: () => Date;
  origin?: DocumentOrigin | undefined;
  /**
   * Dialects without a place_of_supply field (seeds/004): a customer state that cannot be
   * the place of supply is reported at customer_id.
   */
  noPlaceField?: boolean | undefined;
  /** Price a document again under the id it was first prepared with: rows already point at it. */
  id?: string | undefined;
}

/** Columns set when a document is written or changes state, not when it is prepared. */
type LaterColumns =
  | 'status'
  | 'number'
  | 'entity_id'
  | 'finalized_at'
  | 'total_paid'
  | 'amount_credited'
  | 'credit_pre_payment'
  | 'amount_debited'
  | 'delivered'
  | 'delivered_on'
  | 'paid_on'
  | 'voided_at'
  | 'stripe_invoice_id';

/** A validated, priced document ready to insert; number and entity id come at write time. */
export interface PreparedDocument {
  invoice: Omit<InvoiceRow, LaterColumns>;
  lines: InvoiceLineRow[];
  totals: InvoiceTotals;
  approve: boolean;
  /** Email the invoice once it is finalized (auto_send). */
  send: boolean;
}

const PARTY = { invoice: { field: 'customer_id', noun: 'Customer' }, bill: { field: 'vendor_id', noun: 'Vendor' } } as const;

function resolveParty(input: DocumentInput, refs: References, kind: InvoiceKind): AnyRow {
  const { field, noun } = PARTY[kind];
  const id = input[field];
  if (!id) throw required(field);
  const party = refs.parties.get(id);
  if (!party) throw notFound(noun, id, field);
  return party;
}

function resolveCurrency(input: DocumentInput, party: AnyRow, business: Business): string {
  const currency = input.currency ?? (party.currency as string | null) ?? business.currency;
  if (!isCurrency(currency)) throw invalid(`Unknown currency '${currency}'.`, 'currency');
  return currency;
}

/**
 * The customer's state as the place of supply of a GST invoice that does not name one. A
 * missing or non-Indian state is reported at `field`: place_of_supply where the surface has
 * that field (give it, or set the customer's state), customer_id where it has not (seeds/004).
 */
function customerPlace(party: AnyRow, field: string): string {
  const state = party.state as string | null;
  const remedy = field === 'place_of_supply' ? ' Give place_of_supply, or set the customer\'s state.' : '';
  if (!state) {
    throw new DomainError('validation.required', `Customer '${party.id}' has no state; a GST invoice takes its place of supply from it.${remedy}`, field);
  }
  if (!isPlaceOfSupply(state)) {
    throw invalid(`Customer '${party.id}' has state '${state}', which is not an Indian state or union territory, so it cannot be the place of supply.${remedy}`, field);
  }
  return state;
}

function resolvePlaceOfSupply(input: DocumentInput, party: AnyRow, business: Business, options: PrepareOptions): string | null {
  if (!isGstBusiness(business)) return input.place_of_supply ?? null;
  if (input.place_of_supply === undefined && options.kind === 'invoice') return customerPlace(party, options.noPlaceField ? 'customer_id' : 'place_of_supply');
  // For a purchase the supplier's state decides intra/inter-state when the bill does not say.
  const place = input.place_of_supply ?? (party.state as string | null) ?? business.state;
  if (!place) throw required('place_of_supply');
  if (!isPlaceOfSupply(place)) throw invalid(`Unknown place of supply '${place}'.`, 'place_of_supply');
  return place;
}

interface FilledLine {
  item: AnyRow | undefined;
  name: string;
  description: string | null;
  hsnCode: string | null;
  pricing: LineInput;
}

function givenUnitPrice(line: LineItemInput, currency: string, field: string): number | bigint | undefined {
  if (line.unit_price !== undefined) return line.unit_price;
  return line.unit_price_major === undefined ? undefined : toMinorUnits(line.unit_price_major, currency, `${field}.unit_price`);
}

function fillLine(line: LineItemInput, field: string, refs: References, currency: string): FilledLine {
  const item = line.item_id === undefined ? undefined : refs.items.get(line.item_id);
  if (line.item_id !== undefined && !item) throw notFound('Item', line.item_id, `${field}.item_id`);
  const name = line.name ?? (item?.name as string | undefined) ?? line.description ?? undefined;
  if (!name) throw required(`${field}.name`);
  const given = givenUnitPrice(line, currency, field);
  const unitPrice = given ?? (item?.unit_price as number | undefined);
  if (unitPrice === undefined) throw required(`${field}.unit_price`);
  if (given === undefined && item?.currency && item.currency !== currency) {
    throw invalid(`Item '${line.item_id}' is priced in ${String(item.currency)}; give a unit_price in ${currency}.`, `${field}.item_id`);
  }
  const rate = line.tax_rate ?? (item?.tax_rate as string | undefined) ?? '0';
  return {
    item,
    name,
    // An explicit null on the line clears what the item would fill in.
    description: line.description !== undefined ? line.description : ((item?.description as string | null | undefined) ?? null),
    hsnCode: line.hsn_code !== undefined ? line.hsn_code : ((item?.hsn_code as string | null | undefined) ?? null),
    pricing: {
      quantityE4: parseScaled(line.quantity, 4, `${field}.quantity`),
      unitPrice: BigInt(unitPrice),
      taxRateE4: parseScaled(rate, 4, `${field}.tax_rate`),
      discountPercentE4: line.discount_percent === undefined ? null : parseScaled(line.discount_percent, 4, `${field}.discount_percent`),
      discountAmount: line.discount_amount === undefined ? null : BigInt(line.discount_amount),
    },
  };
}

const n = (value: bigint, field: string) => toSafeNumber(value, field);

function lineRow(businessId: string, invoiceId: string, index: number, filled: FilledLine, priced: PricedLine): InvoiceLineRow {
  const field = `line_items[${index}]`;
  const p = filled.pricing;
  return {
    business_id: businessId,
    invoice_id: invoiceId,
    id: uuidv7(),
    position: index,
    item_id: filled.item ? filled.item.id : null,
    name: filled.name,
    description: filled.description,
    hsn_code: filled.hsnCode,
    quantity: formatScaled(p.quantityE4, 4),
    unit_price: n(p.unitPrice, `${field}.unit_price`),
    discount_percent: p.discountPercentE4 == null ? null : formatScaled(p.discountPercentE4, 4),
    discount_amount: p.discountAmount == null ? null : n(p.discountAmount, `${field}.discount_amount`),
    tax_rate: formatScaled(p.taxRateE4, 4),
    amount: n(priced.amount, field),
    discount: n(priced.discount, field),
    taxable: n(priced.taxable, field),
    cgst: n(priced.cgst, field),
    sgst: n(priced.sgst, field),
    igst: n(priced.igst, field),
    tax: n(priced.tax, field),
    tax_total: n(priced.taxTotal, field),
    total: n(priced.total, field),
  };
}

function datesOf(input: DocumentInput, party: AnyRow, business: Business, clock: () => Date): { date: string; dueDate: string } {
  const date = input.date === undefined ? todayFor(business, clock) : parseDate(input.date, 'date');
  const dueDate = input.due_date === undefined ? addDays(date, party.payment_terms_days as number) : parseDate(input.due_date, 'due_date');
  if (dueDate < date) throw invalid(`due_date ${dueDate} is before the invoice date ${date}; it must be on or after it.`, 'due_date');
  return { date, dueDate };
}

/** auto_send emails a finalized invoice to its customer: it needs both. */
function assertSendable(input: DocumentInput, party: AnyRow): void {
  if (input.auto_send !== true) return;
  if (input.auto_approve !== true) throw invalid('auto_send sends the invoice once it is finalized: set auto_approve too.', 'auto_send');
  if (!party.email) throw invalid('auto_send needs the customer to have an email address.', 'auto_send');
}

/** Validates, auto-fills from items and prices one document. Pure: throws DomainError naming the field. */
export function prepareDocument(input: DocumentInput, refs: References, options: PrepareOptions): PreparedDocument {
  const { kind, now } = options;
  const business = refs.business;
  const party = resolveParty(input, refs, kind);
  if (kind === 'bill' && !input.bill_number) throw required('bill_number');
  assertSendable(input, party);
  if (input.line_items.length === 0) throw invalid('At least one line item is required.', 'line_items');
  if (input.line_items.length > options.maxLineItems) {
    throw new DomainError('validation.too_large', `At most ${options.maxLineItems} line items per ${kind}.`, 'line_items');
  }
  const currency = resolveCurrency(input, party, business);
  const placeOfSupply = resolvePlaceOfSupply(input, party, business, options);
  const { date, dueDate } = datesOf(input, party, business, options.clock);
  const regime = taxRegime(business, placeOfSupply);
  const filled = input.line_items.map((line, i) => fillLine(line, `line_items[${i}]`, refs, currency));
  const priced = priceInvoice(
    filled.map((f) => f.pricing),
    regime,
  );
  const id = options.id ?? uuidv7();
  const t = priced.totals;
  return {
    invoice: {
      business_id: business.id,
      id,
      kind,
      customer_id: kind === 'invoice' ? party.id : null,
      vendor_id: kind === 'bill' ? party.id : null,
      party_name: party.name as string,
      party_email: (party.email as string | null) ?? null,
      party_address: party.billing_address ?? null,
      party_state: (party.state as string | null) ?? null,
      party_gstin: (party.gstin as string | null) ?? null,
      bill_number: kind === 'bill' ? (input.bill_number ?? null) : null,
      currency,
      date,
      due_date: dueDate,
      place_of_supply: placeOfSupply,
      tax_regime: regime,
      description: input.description ?? input.notes ?? null,
      reference: input.reference ?? null,
      subtotal: n(t.subtotal, 'line_items'),
      discount_total: n(t.discountTotal, 'line_items'),
      cgst: n(t.cgst, 'line_items'),
      sgst: n(t.sgst, 'line_items'),
      igst: n(t.igst, 'line_items'),
      tax: n(t.tax, 'line_items'),
      tax_total: n(t.taxTotal, 'line_items'),
      total: n(t.total, 'line_items'),
      hosted_token: newHostedToken(),
      order_id: options.origin?.order_id ?? null,
      import_id: options.origin?.import_id ?? null,
      recurring_template_id: options.origin?.recurring_template_id ?? null,
      created_at: now,
      updated_at: now,
    },
    lines: filled.map((f, i) => lineRow(business.id, id, i, f, priced.lines[i] as PricedLine)),
    totals: t,
    approve: input.auto_approve === true,
    send: input.auto_send === true,
  };
}
