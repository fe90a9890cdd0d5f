import { DomainError } from '../../domain/errors.ts';
import { type Context, transact } from '../context.ts';
import { lockDocument } from '../invoicing/lock.ts';
import { getDocument } from '../invoicing/read.ts';
import type { DocumentView } from '../invoicing/view.ts';
import { notConnected } from './connection.ts';
import { queuePushes } from './syncs.ts';

/**
 * POST /api/v1/invoices/{id}/stripe: queues the push of an issued invoice with an amount due.
 * A push already queued or done is left as it is (the answer shows it); a failed one is
 * queued again and resumes from the step it reached. One transaction: the invoice row is
 * locked, so a concurrent finalize or payment is seen.
 */
export function requestPush(ctx: Context, id: string): Promise<DocumentView> {
  return transact(ctx, async (tx) => {
    const row = await lockDocument(tx, ctx.businessId, 'invoice', id);
    const connected = await tx.selectFrom('stripe_connections').select('business_id').where('business_id', '=', ctx.businessId).executeTakeFirst();
    if (!connected) throw notConnected();
    if (row.status === 'draft' || row.status === 'void') throw new DomainError('state.invalid', `Cannot push a ${row.status} invoice to Stripe; finalize it first.`);
    const current = await getDocument(tx, ctx.businessId, 'invoice', id, ctx.baseUrl);
    if (current.stripe_sync && current.stripe_sync.status !== 'failed') return current;
    if (current.balance_due <= 0) throw new DomainError('state.invalid', 'Nothing is due on this invoice: there is nothing to collect in Stripe.');
    await queuePushes(tx, ctx.businessId, [id], ctx.clock().toISOString());
    return getDocument(tx, ctx.businessId, 'invoice', id, ctx.baseUrl);
  });
}
