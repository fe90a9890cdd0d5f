import { getBusiness } from '../businesses/create-business.ts';
import { getBusinessLogo } from '../businesses/logo.ts';
import type { PostalAddress } from '../businesses/update-business.ts';
import type { Db, Tx } from '../context.ts';
import type { DocumentView } from '../invoicing/view.ts';
import { buildDocumentModel, type DocumentModel, type DocumentOptions, type PartyDetails } from './model.ts';

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
