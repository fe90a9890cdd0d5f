import { uuidv7 } from '../../ids.ts';
import type { InvoiceKind } from '../../db/schema.ts';
import { DomainError } from '../../domain/errors.ts';
import { assertCanVoid } from '../../domain/invoice-state.ts';
import type { PostingLine } from '../../domain/ledger.ts';
import { reversalLines } from '../../domain/ledger.ts';
import { type Context, type Tx, transact } from '../context.ts';
import { emitEvents } from '../events/outbox.ts';
import { postEntries } from '../ledger/journal.ts';
import { lockDocument } from './lock.ts';
import { getDocument } from './read.ts';
import type { DocumentView } from './view.ts';
import { eventPrefix } from './write.ts';

async function approvalLines(tx: Tx, businessId: string, invoiceId: string): Promise<PostingLine[]> {
  const rows = await tx
    .selectFrom('journal_entries as e')
    .innerJoin('journal_lines as l', (join) => join.onRef('l.business_id', '=', 'e.business_id').onRef('l.entry_id', '=', 'e.id'))
    .select(['l.account_code', 'l.debit', 'l.credit'])
    .where('e.business_id', '=', businessId)
    .where('e.invoice_id', '=', invoiceId)
    .where('e.kind', 'in', ['invoice_finalized', 'bill_approved'])
    .orderBy('l.line_no')
    .execute();
  return rows.map((r) => ({ account: r.account_code, debit: BigInt(r.debit), credit: BigInt(r.credit) }));
}

/**
 * Voids a document while nothing is paid. An approved one gets a reversing journal entry,
 * so the ledger keeps both the posting and its reversal; the number stays used.
 */
export function voidDocument(ctx: Context, kind: InvoiceKind, id: string): Promise<DocumentView> {
  return transact(ctx, (tx) => voidDocumentIn(tx, ctx, kind, id));
}

/** The same, inside a caller's transaction (Stripe's invoice.voided records its event id with the void). */
export async function voidDocumentIn(tx: Tx, ctx: Context, kind: InvoiceKind, id: string): Promise<DocumentView> {
  const row = await lockDocument(tx, ctx.businessId, kind, id);
  assertCanVoid(row.status, BigInt(row.total_paid), kind);
  if (row.amount_credited > 0 || row.amount_debited > 0) {
    throw new DomainError('state.invalid', 'Cannot void an invoice with credit or debit notes; void the notes first.');
  }
  const now = ctx.clock().toISOString();
  if (row.status === 'open') {
    const lines = reversalLines(await approvalLines(tx, ctx.businessId, id));
    const label = kind === 'invoice' ? `invoice ${row.number}` : `bill ${row.bill_number}`;
    await postEntries(tx, ctx.businessId, [
      { id: uuidv7(), invoiceId: id, kind: `${kind}_void`, memo: `Void ${label}`, currency: row.currency, date: now.slice(0, 10), createdAt: now, lines },
    ]);
  }
  await tx
    .updateTable('invoices')
    .set({ status: 'void', voided_at: now, updated_at: now })
    .where('business_id', '=', ctx.businessId)
    .where('id', '=', id)
    .execute();
  const view = await getDocument(tx, ctx.businessId, kind, id, ctx.baseUrl);
  await emitEvents(tx, ctx.businessId, now, [{ type: `${eventPrefix(kind)}_VOIDED`, data: view }]);
  return view;
}
