import { getBusiness } from '../businesses/create-business.ts';
import { getBusinessLogo } from '../businesses/logo.ts';
import type { PostalAddress } from '../businesses/update-business.ts';
import type { Db, Tx } from '../context.ts';
import type { DocumentView } from '../invoicing/view.ts';
import type { NoteView } from '../notes/view.ts';
import { buildDocumentModel, type DocumentData, type DocumentModel, type DocumentOptions, type PartyDetails } from './model.ts';

/**
 * The party as printed: as the document recorded it when it was created. Documents from
 * before that snapshot existed (all three columns null) print the party's current record.
 */
async function loadParty(db: Db | Tx, view: DocumentView): Promise<PartyDetails> {
  const [table, id, name, email] =
    view.object === 'bill'
      ? (['vendors', view.vendor_id, view.vendor_name, view.vendor_email] as const)
      : (['customers', view.customer_id, view.customer_name, view.customer_email] as const);
  const snapshot = await db
    .selectFrom('invoices')
    .select(['party_address as billing_address', 'party_state as state', 'party_gstin as gstin'])
    .where('business_id', '=', view.business_id)
    .where('id', '=', view.id)
    .executeTakeFirst();
  const recorded = snapshot && (snapshot.billing_address !== null || snapshot.state !== null || snapshot.gstin !== null);
  const row =
    recorded || !id
      ? snapshot
      : await db.selectFrom(table).select(['billing_address', 'state', 'gstin']).where('business_id', '=', view.business_id).where('id', '=', id).executeTakeFirst();
  return {
    name: name ?? '',
    email: email ?? null,
    address: (row?.billing_address as PostalAddress | null | undefined) ?? null,
    state: row?.state ?? view.place_of_supply,
    gstin: row?.gstin ?? null,
  };
}

/** Everything a document prints, read in four small queries. */
export async function loadDocumentModel(db: Db | Tx, view: DocumentView, options: DocumentOptions = {}): Promise<DocumentModel> {
  const [business, party, logo] = await Promise.all([getBusiness(db, view.business_id), loadParty(db, view), getBusinessLogo(db, view.business_id)]);
  return buildDocumentModel({ view, business, party, logo: logo ?? null }, options);
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
      unit_price: null,
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
  };
}

/**
 * The recipient of a note: the party its invoice recorded, or (invoices from before that
 * snapshot) the customer's current record. One query.
 */
async function loadNoteParty(db: Db | Tx, note: NoteView): Promise<PartyDetails> {
  const row = await db
    .selectFrom('invoices as i')
    .leftJoin('customers as c', (join) => join.onRef('c.business_id', '=', 'i.business_id').onRef('c.id', '=', 'i.customer_id'))
    .select(['i.party_name', 'i.party_email', 'i.party_address', 'i.party_state', 'i.party_gstin', 'c.billing_address', 'c.state', 'c.gstin'])
    .where('i.business_id', '=', note.business_id)
    .where('i.id', '=', note.invoice_id)
    .executeTakeFirst();
  const recorded = row && (row.party_address !== null || row.party_state !== null || row.party_gstin !== null);
  return {
    name: row?.party_name ?? '',
    email: row?.party_email ?? null,
    address: ((recorded ? row.party_address : row?.billing_address) as PostalAddress | null | undefined) ?? null,
    state: (recorded ? row.party_state : row?.state) ?? note.place_of_supply,
    gstin: (recorded ? row.party_gstin : row?.gstin) ?? null,
  };
}

/** A credit or debit note on the same model as invoices: rule 53 contents, one template. */
export async function loadNoteDocumentModel(db: Db | Tx, note: NoteView): Promise<DocumentModel> {
  const [business, party, logo] = await Promise.all([getBusiness(db, note.business_id), loadNoteParty(db, note), getBusinessLogo(db, note.business_id)]);
  return buildDocumentModel(
    { view: noteData(note), business, party, logo: logo ?? null },
    {
      kind: note.object,
      title: note.object === 'credit_note' ? 'Credit Note' : 'Debit Note',
      against: { number: note.invoice_number ?? note.invoice_id, date: note.invoice_date },
      ...(note.reason ? { reason: REASONS[note.reason] ?? note.reason } : {}),
    },
  );
}
