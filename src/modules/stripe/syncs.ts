import { sql } from 'kysely';
import type { Db, Tx } from '../context.ts';
import type { StripeSyncView } from '../invoicing/view.ts';
import { enqueueJobs } from '../../jobs/queue.ts';

/** The job queue of invoice pushes: one job per invoice, keyed by its id. */
export const PUSH_QUEUE = 'stripe.push';

/** The Stripe side of invoices, for their views: one query whatever the count. */
export async function loadStripeSyncs(db: Db | Tx, businessId: string, ids: string[]): Promise<Map<string, StripeSyncView>> {
  const rows = await db
    .selectFrom('stripe_invoice_syncs')
    .select(['invoice_id', 'status', 'error', 'payment_url', 'uncollectible', 'synced_at'])
    .where('business_id', '=', businessId)
    .where('invoice_id', '=', sql<string>`any(${ids}::text[])`)
    .execute();
  return new Map(rows.map(({ invoice_id, ...sync }) => [invoice_id, sync]));
}

/**
 * Asks for the push of invoices inside the caller's transaction (finalize, or the manual
 * route): each gets a pending sync row and a job, or, when one exists, is set pending again
 * from the step it reached. Set-based: one statement per table whatever the count.
 */
export async function queuePushes(tx: Tx, businessId: string, invoiceIds: string[], now: string): Promise<void> {
  if (invoiceIds.length === 0) return;
  await sql`
    insert into stripe_invoice_syncs (business_id, invoice_id, status, step, queued_at, updated_at)
    select ${businessId}, id, 'pending', 'customer', ${now}, ${now} from unnest(${invoiceIds}::text[]) as id
    on conflict (business_id, invoice_id) do update set status = 'pending', error = null, updated_at = excluded.updated_at`.execute(tx);
  await enqueueJobs(
    tx,
    invoiceIds.map((id) => ({ businessId, queue: PUSH_QUEUE, key: id, payload: { invoice_id: id } })),
    new Date(now),
  );
}

/** The pending sync a queued invoice shows in the response of the call that queued it. */
export const pendingSync = (): StripeSyncView => ({ status: 'pending', error: null, payment_url: null, uncollectible: false, synced_at: null });

/**
 * Finalizing invoices of a business connected with `push: "on_finalize"` queues their push
 * in the finalizing transaction; invoices with nothing due (credits paid them) are not pushed.
 * Returns the ids queued. One read when the business is not connected.
 */
export async function pushOnFinalize(tx: Tx, businessId: string, invoices: { id: string; object: string; balance_due: number; finalized_at: string | null }[], now: string): Promise<Set<string>> {
  const due = invoices.filter((v) => v.object === 'invoice' && v.finalized_at !== null && v.balance_due > 0).map((v) => v.id);
  if (due.length === 0) return new Set();
  const connection = await tx.selectFrom('stripe_connections').select('push').where('business_id', '=', businessId).executeTakeFirst();
  if (connection?.push !== 'on_finalize') return new Set();
  await queuePushes(tx, businessId, due, now);
  return new Set(due);
}
