import { sql } from 'kysely';
import type { InvoiceKind } from '../../db/schema.ts';
import { getBusinessCached } from '../businesses/create-business.ts';
import { findRecords } from '../catalog/records.ts';
import type { Db } from '../context.ts';
import type { References } from './prepare.ts';
import type { DocumentInput } from './types.ts';

/** Resolves every reference of a batch: one query per kind, in parallel. */
export async function resolveReferences(db: Db, businessId: string, kind: InvoiceKind, inputs: DocumentInput[]): Promise<References> {
  const partyIds = inputs.map((i) => (kind === 'invoice' ? i.customer_id : i.vendor_id)).filter((id): id is string => !!id);
  const itemIds = inputs.flatMap((i) => i.line_items.map((l) => l.item_id)).filter((id): id is string => !!id);
  const [business, parties, items] = await Promise.all([
    getBusinessCached(db, businessId),
    findRecords(db, businessId, kind === 'invoice' ? 'customers' : 'vendors', partyIds),
    findRecords(db, businessId, 'items', itemIds),
  ]);
  return { business, parties, items };
}

/** Bill numbers (per vendor) of the batch that already exist: one query. */
export async function existingBillNumbers(db: Db, businessId: string, pairs: { vendorId: string; billNumber: string }[]): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const result = await sql<{ vendor_id: string; bill_number: string }>`
    select vendor_id, bill_number from invoices
    where business_id = ${businessId} and kind = 'bill'
      and (vendor_id, bill_number) in (select * from unnest(${pairs.map((p) => p.vendorId)}::text[], ${pairs.map((p) => p.billNumber)}::text[]))`.execute(db);
  return new Set(result.rows.map((r) => billKey(r.vendor_id, r.bill_number)));
}

export const billKey = (vendorId: string, billNumber: string) => `${vendorId}\u0000${billNumber}`;
