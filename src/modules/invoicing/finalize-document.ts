import type { InvoiceKind } from '../../db/schema.ts';
import { assertCanFinalize, statusAfterApproval } from '../../domain/invoice-state.ts';
import { getBusiness } from '../businesses/create-business.ts';
import { type Context, transact } from '../context.ts';
import { emitEvents } from '../events/outbox.ts';
import { postEntries } from '../ledger/journal.ts';
import { applyCustomerCredits, creditEvents } from '../notes/customer-credits.ts';
import { pendingSync, pushOnFinalize } from '../stripe/syncs.ts';
import { lockDocument, totalsOf } from './lock.ts';
import { takeInvoiceNumbers } from './numbering.ts';
import { getDocument } from './read.ts';
import type { DocumentView } from './view.ts';
import { approvalEntry, eventPrefix } from './write.ts';

/**
 * Finalizes a draft invoice (or approves a draft bill): takes the next number inside this
 * transaction (invoice row locked first, then the counter), posts the journal entry, applies
 * the customer's credit balance in the invoice's currency, queues its Stripe push (with
 * `push: "on_finalize"`), and emits *_APPROVED.
 */
export async function finalizeDocument(ctx: Context, kind: InvoiceKind, id: string): Promise<DocumentView> {
  return transact(ctx, async (tx) => {
    const row = await lockDocument(tx, ctx.businessId, kind, id);
    assertCanFinalize(row.status, kind);
    const now = ctx.clock().toISOString();
    const business = await getBusiness(tx, ctx.businessId);
    const [number] = kind === 'invoice' ? await takeInvoiceNumbers(tx, business, [row.date]) : [null];
    const updated = await tx
      .updateTable('invoices')
      .set({ status: statusAfterApproval(BigInt(row.total)), number: number ?? null, finalized_at: now, paid_on: row.total === 0 ? now : null, updated_at: now })
      .where('business_id', '=', ctx.businessId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await postEntries(tx, ctx.businessId, [approvalEntry(updated, totalsOf(updated), now)]);
    const applied = await applyCustomerCredits(tx, ctx.businessId, [updated], now);
    const read = await getDocument(tx, ctx.businessId, kind, id, ctx.baseUrl);
    const pushed = await pushOnFinalize(tx, ctx.businessId, [read], now);
    const view = pushed.has(id) ? { ...read, stripe_sync: pendingSync() } : read;
    await emitEvents(tx, ctx.businessId, now, [{ type: `${eventPrefix(kind)}_APPROVED`, data: view }, ...creditEvents(applied, () => view)]);
    return view;
  });
}
