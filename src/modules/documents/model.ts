import type { Business } from '../../db/schema.ts';
import { isGstBusiness, stateLabel } from '../../domain/tax.ts';
import type { DocumentView } from '../invoicing/view.ts';
import type { PostalAddress } from '../businesses/update-business.ts';
import type { Logo } from '../businesses/logo.ts';
import { amountInWords, defaultLocale, formatDate, formatMoney, formatNumber, formatPercent } from './format.ts';

/**
 * One layout of a tax document, computed once from the invoice view and rendered twice
 * (hosted HTML page and PDF). Every string here is final display text; renderers only
 * place and escape it. Credit and debit notes use the same model through `DocumentOptions`.
 */
export type DocumentKind = 'invoice' | 'bill' | 'credit_note' | 'debit_note';

export interface PartyBlock {
  heading: string;
  name: string;
  /** Address lines, then state, tax id and email, each a line of its own. */
  lines: string[];
}

export interface Column {
  label: string;
  align: 'left' | 'right';
  /** Share of the table width. */
  width: number;
}

export interface Table {
  columns: Column[];
  rows: string[][];
  /** Bold last row (totals), if any. */
  footer: string[] | null;
}

export interface DocumentModel {
  kind: DocumentKind;
  title: string;
  copyLabel: string | null;
  status: string;
  /** Large mark across the page for states a reader must not miss. */
  mark: 'DRAFT' | 'PAID' | 'VOID' | null;
  number: string;
  facts: [label: string, value: string][];
  seller: PartyBlock;
  buyer: PartyBlock;
  logo: Logo | null;
  lines: Table;
  /** GST: HSN/SAC summary; elsewhere tax by rate (EU VAT art. 226 (10)). */
  summaryTitle: string;
  summary: Table;
  totals: { label: string; value: string; strong: boolean }[];
  amountInWords: string;
  notes: { label: string; text: string }[];
  signatory: string | null;
  footer: string | null;
  locale: string;
}

/** What the printed party data comes from: the customer's or vendor's current record. */
export interface PartyDetails {
  name: string;
  email: string | null;
  address: PostalAddress | null;
  state: string | null;
  gstin: string | null;
}

/** For documents that refer to another (credit and debit notes). */
export interface DocumentOptions {
  kind?: DocumentKind;
  title?: string;
  against?: { number: string; date: string };
  reason?: string;
  /** How a credit note was settled (minor units). */
  settlement?: { prePayment: number; refund: number; credit: number; outOfBand: number };
}

type ViewLine = DocumentView['line_items'][number];

/** A printed line: invoice lines have quantity and rate; note lines may have neither. */
export type DocumentLine = Pick<ViewLine, 'name' | 'description' | 'hsn_code' | 'tax_rate' | 'discount' | 'taxable_amount' | 'cgst' | 'sgst' | 'igst' | 'tax' | 'total'> & {
  quantity: number | null;
  unit_price: number | null;
};

/** What the model reads of a document: an invoice or bill view, or a note shaped like one. */
export type DocumentData = Pick<
  DocumentView,
  | 'id' | 'status' | 'number' | 'currency' | 'date' | 'place_of_supply' | 'description' | 'reference' | 'subtotal' | 'discount_total' | 'cgst' | 'sgst' | 'igst' | 'tax' | 'tax_total' | 'total'
  | 'total_paid' | 'balance_due' | 'payments' | 'amount_credited' | 'amount_debited'
> & {
  object: DocumentView['object'] | 'credit_note' | 'debit_note';
  tax_regime: string;
  due_date: string | null;
  bill_number?: string | null;
  line_items: DocumentLine[];
};

export interface DocumentSource {
  view: DocumentData;
  business: Business;
  party: PartyDetails;
  logo: Logo | null;
}

const TITLES: Record<DocumentKind, string> = { invoice: 'Invoice', bill: 'Bill', credit_note: 'Credit note', debit_note: 'Debit note' };

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** `IN` → India; anything that is not a region code is printed as given. */
function countryName(country: string | undefined): string | undefined {
  if (!country || !/^[A-Za-z]{2}$/.test(country)) return country;
  return regionNames.of(country.toUpperCase()) ?? country;
}

function addressLines(address: PostalAddress | null): string[] {
  if (!address) return [];
  const cityLine = [address.city, address.state, address.postal_code].filter(Boolean).join(', ');
  return [address.line1, address.line2, cityLine, countryName(address.country)].filter((line): line is string => Boolean(line));
}

function partyBlock(heading: string, party: PartyDetails, gst: boolean, taxIdLabel = 'Tax ID'): PartyBlock {
  const lines = addressLines(party.address);
  if (party.state && gst) lines.push(`State: ${stateLabel(party.state)}`);
  if (party.gstin) lines.push(`${gst ? 'GSTIN' : taxIdLabel}: ${party.gstin}`);
  else if (gst) lines.push('GSTIN: Unregistered');
  if (party.email) lines.push(party.email);
  return { heading, name: party.name, lines };
}

function businessParty(business: Business): PartyDetails {
  const gst = isGstBusiness(business);
  return {
    name: business.legal_name ?? business.name,
    email: null,
    address: (business.address as PostalAddress | null) ?? null,
    state: business.state,
    gstin: gst ? business.gstin : business.tax_id,
  };
}

function markOf(status: string): DocumentModel['mark'] {
  if (status === 'draft') return 'DRAFT';
  if (status === 'void') return 'VOID';
  return status === 'manual_paid' || status === 'stripe_paid' ? 'PAID' : null;
}

const STATUS_LABEL: Record<string, string> = {
  draft: 'Draft',
  open: 'Open',
  partially_paid: 'Partially paid',
  manual_paid: 'Paid',
  stripe_paid: 'Paid',
  void: 'Void',
  issued: 'Issued',
};

type Line = DocumentLine;
type Money = (amount: number) => string;

function lineTable(view: DocumentData, money: Money, locale: string): Table {
  const discount = view.discount_total > 0;
  const taxColumns: Column[] =
    view.tax_regime === 'intra'
      ? [{ label: 'CGST', align: 'right', width: 9 }, { label: 'SGST', align: 'right', width: 9 }]
      : [{ label: view.tax_regime === 'inter' ? 'IGST' : 'Tax', align: 'right', width: 11 }];
  const columns: Column[] = [
    { label: '#', align: 'right', width: 3.5 },
    { label: 'Item', align: 'left', width: 24 },
    ...(view.tax_regime === 'simple' ? [] : [{ label: 'HSN/SAC', align: 'left' as const, width: 8 }]),
    { label: 'Qty', align: 'right', width: 6 },
    { label: 'Rate', align: 'right', width: 10 },
    ...(discount ? [{ label: 'Discount', align: 'right' as const, width: 9 }] : []),
    { label: 'Taxable value', align: 'right', width: 11 },
    ...taxColumns,
    { label: 'Total', align: 'right', width: 11 },
  ];
  const taxCells = (l: Line) =>
    view.tax_regime === 'intra'
      ? [`${money(l.cgst)}\n@${formatPercent(l.tax_rate / 2, locale)}`, `${money(l.sgst)}\n@${formatPercent(l.tax_rate / 2, locale)}`]
      : [`${money(view.tax_regime === 'inter' ? l.igst : l.tax)}\n@${formatPercent(l.tax_rate, locale)}`];
  const rows = view.line_items.map((l, i) => [
    String(i + 1),
    // A line whose description only repeats its name prints the name once.
    l.description && l.description !== l.name ? `${l.name}\n${l.description}` : l.name,
    ...(view.tax_regime === 'simple' ? [] : [l.hsn_code ?? '']),
    l.quantity === null ? '' : formatNumber(l.quantity, locale),
    l.unit_price === null ? '' : money(l.unit_price),
    ...(discount ? [money(l.discount)] : []),
    money(l.taxable_amount),
    ...taxCells(l),
    money(l.total),
  ]);
  return { columns, rows, footer: null };
}

/** Σ taxable and tax per HSN/SAC code and rate (GST) or per rate (VAT). */
function summaryTable(view: DocumentData, money: Money, locale: string): Table {
  const gst = view.tax_regime !== 'simple';
  const groups = new Map<string, { hsn: string; rate: number; taxable: number; cgst: number; sgst: number; igst: number; tax: number }>();
  for (const l of view.line_items) {
    const hsn = gst ? (l.hsn_code ?? '—') : '';
    const key = `${hsn}|${l.tax_rate}`;
    const g = groups.get(key) ?? { hsn, rate: l.tax_rate, taxable: 0, cgst: 0, sgst: 0, igst: 0, tax: 0 };
    g.taxable += l.taxable_amount;
    g.cgst += l.cgst;
    g.sgst += l.sgst;
    g.igst += l.igst;
    g.tax += l.tax;
    groups.set(key, g);
  }
  const taxLabels = view.tax_regime === 'intra' ? ['CGST', 'SGST'] : [view.tax_regime === 'inter' ? 'IGST' : 'Tax'];
  const columns: Column[] = [
    ...(gst ? [{ label: 'HSN/SAC', align: 'left' as const, width: 14 }] : []),
    { label: 'Rate', align: 'right', width: 8 },
    { label: 'Taxable value', align: 'right', width: 16 },
    ...taxLabels.map((label) => ({ label, align: 'right' as const, width: 14 })),
    { label: 'Total tax', align: 'right', width: 14 },
  ];
  const taxOf = (g: { cgst: number; sgst: number; igst: number; tax: number }) =>
    view.tax_regime === 'intra' ? [g.cgst, g.sgst] : [view.tax_regime === 'inter' ? g.igst : g.tax];
  const rows = [...groups.values()].map((g) => [
    ...(gst ? [g.hsn] : []),
    formatPercent(g.rate, locale),
    money(g.taxable),
    ...taxOf(g).map(money),
    money(g.cgst + g.sgst + g.igst + g.tax),
  ]);
  const footer = [...(gst ? ['Total'] : []), gst ? '' : 'Total', money(view.subtotal), ...taxOf(view).map(money), money(view.tax_total)];
  return { columns, rows, footer };
}

const SOURCE_LABEL: Record<string, string> = { manual: 'payment', stripe: 'card payment', credit: 'customer credit' };

function totals(view: DocumentData, money: Money, locale: string): DocumentModel['totals'] {
  const rows: DocumentModel['totals'] = [];
  const add = (label: string, amount: number, strong = false) => rows.push({ label, value: money(amount), strong });
  if (view.discount_total > 0) add('Discount', view.discount_total);
  add('Taxable value', view.subtotal);
  if (view.tax_regime === 'intra') {
    add('CGST', view.cgst);
    add('SGST', view.sgst);
  } else add(view.tax_regime === 'inter' ? 'IGST' : 'Tax', view.tax_regime === 'inter' ? view.igst : view.tax);
  add('Total', view.total, true);
  // What has settled it so far, each payment and credit on its own line, then what is left.
  for (const p of view.payments) add(`Paid ${formatDate(p.paid_on, locale)} (${SOURCE_LABEL[p.source] ?? p.source})`, -p.amount);
  if (view.amount_credited > 0) add('Credit notes', -view.amount_credited);
  if (view.amount_debited > 0) add('Debit notes', view.amount_debited);
  if (view.payments.length > 0 || view.amount_credited > 0 || view.amount_debited > 0) add('Balance due', view.balance_due, true);
  return rows;
}

function facts(view: DocumentData, kind: DocumentKind, number: string, locale: string, options: DocumentOptions): DocumentModel['facts'] {
  const rows: DocumentModel['facts'] = [
    [`${TITLES[kind]} no.`, number],
    [`${TITLES[kind]} date`, formatDate(view.date, locale)],
  ];
  if ((kind === 'invoice' || kind === 'bill') && view.due_date) rows.push(['Due date', formatDate(view.due_date, locale)]);
  if (options.against) rows.push(['Against invoice', `${options.against.number} of ${formatDate(options.against.date, locale)}`]);
  if (view.place_of_supply) rows.push(['Place of supply', stateLabel(view.place_of_supply)]);
  if (view.tax_regime !== 'simple') rows.push(['Reverse charge', 'No']);
  if (view.reference) rows.push(['Reference', view.reference]);
  return rows;
}

/** How a credit note was settled, in the order a reader checks it. */
function settlementText(s: NonNullable<DocumentOptions['settlement']>, money: Money): string {
  const parts = [
    s.prePayment > 0 ? `${money(s.prePayment)} off the invoice's unpaid balance` : '',
    s.refund > 0 ? `${money(s.refund)} refunded` : '',
    s.credit > 0 ? `${money(s.credit)} kept as customer credit for later invoices` : '',
    s.outOfBand > 0 ? `${money(s.outOfBand)} settled outside Billow` : '',
  ].filter(Boolean);
  return parts.join('; ') || 'Nothing to settle.';
}

function documentNumber(view: DocumentData): string {
  if (view.object === 'bill') return String(view.bill_number ?? view.id);
  return view.number ?? 'Draft';
}

/** The whole printed document of an invoice, bill, credit or debit note: a pure function of its data. */
export function buildDocumentModel(source: DocumentSource, options: DocumentOptions = {}): DocumentModel {
  const { view, business, party } = source;
  const kind = options.kind ?? (view.object === 'bill' ? 'bill' : 'invoice');
  const locale = business.locale ?? defaultLocale(business.country);
  const money: Money = (amount) => formatMoney(amount, view.currency, locale);
  const gst = isGstBusiness(business);
  const self = partyBlock(kind === 'bill' ? 'Bill to' : 'Supplier', businessParty(business), gst, 'VAT ID');
  const other = partyBlock(kind === 'bill' ? 'Supplier' : 'Recipient', party, gst, 'VAT ID');
  const title = options.title ?? (gst && kind === 'invoice' ? 'Tax invoice' : TITLES[kind]);
  const number = documentNumber(view);
  const notes: DocumentModel['notes'] = [];
  if (options.reason) notes.push({ label: 'Reason', text: options.reason });
  if (options.settlement) notes.push({ label: 'Settled', text: settlementText(options.settlement, money) });
  if (view.description) notes.push({ label: 'Notes', text: view.description });
  // Payment terms are for invoices: a note is settled, not paid on terms.
  if (business.terms && kind === 'invoice') notes.push({ label: 'Terms', text: business.terms });
  return {
    kind,
    title: title.toUpperCase(),
    copyLabel: gst && kind !== 'bill' ? 'Original for recipient' : null,
    status: STATUS_LABEL[view.status] ?? view.status,
    mark: markOf(view.status),
    number,
    facts: facts(view, kind, number, locale, options),
    seller: kind === 'bill' ? other : self,
    buyer: kind === 'bill' ? self : other,
    logo: kind === 'bill' ? null : source.logo,
    lines: lineTable(view, money, locale),
    summaryTitle: gst ? 'HSN/SAC summary' : 'Tax by rate',
    summary: summaryTable(view, money, locale),
    totals: totals(view, money, locale),
    amountInWords: `Amount in words: ${amountInWords(view.total, view.currency)}`,
    notes,
    signatory: kind === 'bill' ? null : `For ${business.legal_name ?? business.name}\n\n\nAuthorised signatory`,
    footer: kind === 'bill' ? null : business.footer,
    locale,
  };
}
