import { getBusiness } from '../businesses/create-business.ts';
import { getBusinessLogo } from '../businesses/logo.ts';
import type { PostalAddress } from '../businesses/update-business.ts';
import type { Db, Tx } from '../context.ts';
import type { DocumentView } from '../invoicing/view.ts';
import type { NoteView } from '../notes/view.ts';
import { buildDocumentModel, type DocumentData, type DocumentModel, type DocumentOptions, type PartyDetails } from './model.ts';

/**
 * The party of an invoice or bill as printed: as the document recorded it when it was
 * created. Documents from before that snapshot existed (all three columns null) print the
 * party's current record. One query.
 */
async function loadParty(db: Db | Tx, businessId: string, invoiceId: string, party: 'customers' | 'vendors', placeOfSupply: string | null): Promise<PartyDetails> {
  const partyId = party === 'customers' ? 'i.customer_id' : 'i.vendor_id';
  const row = await db
    .selectFrom('invoices as i')
    .leftJoin(`${party as 'customers'} as p`, (join) => join.onRef('p.business_id', '=', 'i.business_id').onRef('p.id', '=', partyId))
    .select(['i.party_name', 'i.party_email', 'i.party_address', 'i.party_state', 'i.party_gstin', 'p.billing_address', 'p.state', 'p.gstin'])
    .where('i.business_id', '=', businessId)
    .where('i.id', '=', invoiceId)
    .executeTakeFirst();
  const recorded = row && (row.party_address !== null || row.party_state !== null || row.party_gstin !== null);
  return {
    name: row?.party_name ?? '',
    email: row?.party_email ?? null,
    address: ((recorded ? row.party_address : row?.billing_address) as PostalAddress | null | undefined) ?? null,
    state: (recorded ? row.party_state : row?.state) ?? placeOfSupply,
    gstin: (recorded ? row.party_gstin : row?.gstin) ?? null,
  };
}

/** Everything a document prints, read in four small queries. */
async function loadModel(db: Db | Tx, businessId: string, data: DocumentData, party: Promise<PartyDetails>, options: DocumentOptions): Promise<DocumentModel> {
  const [business, details, logo] = await Promise.all([getBusiness(db, businessId), party, getBusinessLogo(db, businessId)]);
  return buildDocumentModel({ view: data, business, party: details, logo: logo ?? null }, options);
}

/** An invoice's or bill's printed document. */
export function loadDocumentModel(db: Db | Tx, view: DocumentView, options: DocumentOptions = {}): Promise<DocumentModel> {
  const party = loadParty(db, view.business_id, view.id, view.object === 'bill' ? 'vendors' : 'customers', view.place_of_supply);
  return loadModel(db, view.business_id, view, party, options);
}

const REASONS: Record<string, string> = {
  sales_return: 'Sales return',
  post_sale_discount: 'Post-sale discount',
  deficiency: 'Deficiency in supply',
  correction: 'Correction of invoice',
  change_in_pos: 'Change in place of supply',
  other: 'Other',
};

/** A note as the model reads a document: its lines carry what was credited or debited. */
function noteData(note: NoteView): DocumentData {
  return {
    id: note.id,
    object: note.object,
    status: note.status,
    number: note.number,
    currency: note.currency,
    date: note.date,
    due_date: null,
    place_of_supply: note.place_of_supply,
    tax_regime: note.tax_regime,
    description: null,
    reference: null,
    line_items: note.lines.map((l) => ({
      name: l.description,
      description: null,
      hsn_code: l.hsn_code,
      quantity: l.quantity,
      // The rate of a credited quantity: its taxable value per unit (an amount credit has no quantity).
      unit_price: l.quantity ? Math.round(l.taxable_amount / l.quantity) : l.taxable_amount,
      tax_rate: l.tax_rate,
      discount: 0,
      taxable_amount: l.taxable_amount,
      cgst: l.cgst,
      sgst: l.sgst,
      igst: l.igst,
      tax: l.tax,
      total: l.total,
    })),
    subtotal: note.subtotal,
    discount_total: 0,
    cgst: note.cgst,
    sgst: note.sgst,
    igst: note.igst,
    tax: note.tax,
    tax_total: note.tax_total,
    total: note.total,
    total_paid: 0,
    balance_due: 0,
    payments: [],
    amount_credited: 0,
    amount_debited: 0,
  };
}

/** A credit or debit note on the same model as invoices: rule 53 contents, one template. */
export function loadNoteDocumentModel(db: Db | Tx, note: NoteView): Promise<DocumentModel> {
  // The recipient is the party of the note's invoice.
  const party = loadParty(db, note.business_id, note.invoice_id, 'customers', note.place_of_supply);
  return loadModel(db, note.business_id, noteData(note), party, {
    kind: note.object,
    title: note.object === 'credit_note' ? 'Credit Note' : 'Debit Note',
    against: { number: note.invoice_number ?? note.invoice_id, date: note.invoice_date },
    ...(note.reason ? { reason: REASONS[note.reason] ?? note.reason } : {}),
    ...(note.object === 'credit_note'
      ? { settlement: { prePayment: note.pre_payment_amount, refund: note.refund_amount, credit: note.credit_amount, outOfBand: note.out_of_band_amount } }
      : {}),
  });
}
