import type { InvoiceKind, InvoiceRow } from '../../db/schema.ts';
import { notFound } from '../../domain/errors.ts';
import type { InvoiceStatus } from '../../domain/invoice-state.ts';
import type { Tx } from '../context.ts';

/** Locks one document row for a state transition; another business's id is not found. */
export async function lockDocument(tx: Tx, businessId: string, kind: InvoiceKind, id: string): Promise<InvoiceRow & { status: InvoiceStatus }> {
  const row = await tx
    .selectFrom('invoices')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('kind', '=', kind)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound(kind === 'invoice' ? 'Invoice' : 'Bill', id);
  return row as InvoiceRow & { status: InvoiceStatus };
}

/** Totals of a stored document, as the ledger rules take them. */
export function totalsOf(row: InvoiceRow) {
  return {
    subtotal: BigInt(row.subtotal),
    discountTotal: BigInt(row.discount_total),
    cgst: BigInt(row.cgst),
    sgst: BigInt(row.sgst),
    igst: BigInt(row.igst),
    tax: BigInt(row.tax),
    taxTotal: BigInt(row.tax_total),
    total: BigInt(row.total),
  };
}
