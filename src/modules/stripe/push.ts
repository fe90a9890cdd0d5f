import { stripeLines } from '../../domain/stripe.ts';
import { holdLease, type Job } from '../../jobs/queue.ts';
import type { WorkerContext } from '../../jobs/runner.ts';
import type { Updateable } from 'kysely';
import type { StripeInvoiceSyncsTable } from '../../db/schema.ts';
import type { Tx } from '../context.ts';
import { emitEvents } from '../events/outbox.ts';
import { getDocument } from '../invoicing/read.ts';
import type { DocumentView } from '../invoicing/view.ts';
import { keysOf } from '../secrets/keys.ts';
import { callStripe, isStripeError, isTransient, type StripeAccount, stripeAccount } from './client.ts';
import { openConnection } from './connection.ts';

type Step = StripeInvoiceSyncsTable['step'];

interface PushState {
  step: Step;
  stripe_customer_id: string | null;
  stripe_invoice_id: string | null;
  queued_at: string;
}

interface Push {
  job: Job;
  ctx: WorkerContext;
  account: StripeAccount;
  invoice: DocumentView;
  /** Stripe idempotency keys are derived from Billow's ids: a retried step never makes a second object. */
  key: (what: string) => string;
}

/**
 * Runs after each step Stripe confirmed, in one transaction with the job's lease check:
 * the step reached and what Stripe returned commit together, so a killed worker's job
 * resumes after the last confirmed step (and the idempotency keys cover the one in flight).
 */
async function checkpoint(push: Push, changes: Updateable<StripeInvoiceSyncsTable>, also?: (tx: Tx) => Promise<void>): Promise<void> {
  const { job, ctx } = push;
  await ctx.db.transaction().execute(async (tx) => {
    await holdLease(tx, job, ctx);
    await tx
      .updateTable('stripe_invoice_syncs')
      .set({ ...changes, updated_at: ctx.clock().toISOString() })
      .where('business_id', '=', job.business_id)
      .where('invoice_id', '=', push.invoice.id)
      .execute();
    await also?.(tx);
  });
}

async function findOrCreateCustomer(push: Push): Promise<string> {
  const { job, ctx, invoice } = push;
  const known = await ctx.db
    .selectFrom('stripe_customers')
    .select('stripe_customer_id')
    .where('business_id', '=', job.business_id)
    .where('customer_id', '=', invoice.customer_id as string)
    .executeTakeFirst();
  if (known) return known.stripe_customer_id;
  const query = `metadata['billow_customer_id']:'${invoice.customer_id}' AND metadata['billow_business_id']:'${job.business_id}'`;
  const found = await callStripe(push.account, (s) => s.customers.search({ query, limit: 1 }), ctx.signal);
  if (found.data[0]) return found.data[0].id;
  // Name and email from the customer record, not the invoice: every push of this customer
  // sends the same parameters, which Stripe requires of a reused idempotency key.
  const customer = await ctx.db
    .selectFrom('customers')
    .select(['name', 'email'])
    .where('business_id', '=', job.business_id)
    .where('id', '=', invoice.customer_id as string)
    .executeTakeFirstOrThrow();
  const created = await callStripe(
    push.account,
    (s) =>
      s.customers.create(
        { name: customer.name, ...(customer.email ? { email: customer.email } : {}), metadata: { billow_customer_id: invoice.customer_id as string, billow_business_id: job.business_id } },
        { idempotencyKey: `billow_${job.business_id}_customer_${invoice.customer_id}` },
      ),
    ctx.signal,
  );
  return created.id;
}

/** Stripe wants a due date in the future; an overdue invoice is due a day after it was queued. */
function dueDate(invoice: DocumentView, queuedAt: string): number {
  const due = Date.parse(`${invoice.due_date}T23:59:59Z`) / 1000;
  return Math.floor(Math.max(due, Date.parse(queuedAt) / 1000 + 86_400));
}

async function stepCustomer(push: Push, state: PushState): Promise<PushState> {
  const stripeCustomer = await findOrCreateCustomer(push);
  const { job, ctx, invoice } = push;
  await checkpoint(push, { step: 'invoice', stripe_customer_id: stripeCustomer }, async (tx) => {
    await tx
      .insertInto('stripe_customers')
      .values({ business_id: job.business_id, customer_id: invoice.customer_id as string, stripe_customer_id: stripeCustomer, created_at: ctx.clock().toISOString() })
      .onConflict((oc) => oc.columns(['business_id', 'customer_id']).doNothing())
      .execute();
  });
  return { ...state, step: 'invoice', stripe_customer_id: stripeCustomer };
}

async function stepInvoice(push: Push, state: PushState): Promise<PushState> {
  const { job, invoice } = push;
  const created = await callStripe(
    push.account,
    (s) =>
      s.invoices.create(
        {
          customer: state.stripe_customer_id as string,
          collection_method: 'send_invoice',
          due_date: dueDate(invoice, state.queued_at),
          currency: invoice.currency.toLowerCase(),
          auto_advance: false,
          pending_invoice_items_behavior: 'exclude',
          description: `Invoice ${invoice.number}`,
          metadata: { billow_invoice_id: invoice.id, billow_business_id: job.business_id, billow_number: invoice.number as string },
        },
        { idempotencyKey: push.key('invoice') },
      ),
    push.ctx.signal,
  );
  await checkpoint(push, { step: 'lines', stripe_invoice_id: created.id }, async (tx) => {
    await tx.updateTable('invoices').set({ stripe_invoice_id: created.id }).where('business_id', '=', job.business_id).where('id', '=', invoice.id).execute();
  });
  return { ...state, step: 'lines', stripe_invoice_id: created.id };
}

class AmountMismatch extends Error {}

async function stepLines(push: Push, state: PushState): Promise<PushState> {
  const { invoice } = push;
  const lines = stripeLines(invoice).map((l) => ({ amount: l.amount, description: l.description }));
  const updated = await callStripe(push.account, (s) => s.invoices.addLines(state.stripe_invoice_id as string, { lines }, { idempotencyKey: push.key('lines') }), push.ctx.signal);
  if (updated.amount_due !== invoice.balance_due) {
    throw new AmountMismatch(`Stripe computed amount_due ${updated.amount_due}, Billow's balance_due is ${invoice.balance_due}; the Stripe invoice was left as a draft.`);
  }
  await checkpoint(push, { step: 'finalize' });
  return { ...state, step: 'finalize' };
}

async function stepFinalize(push: Push, state: PushState): Promise<PushState> {
  const { job, ctx, invoice } = push;
  const finalized = await callStripe(push.account, (s) => s.invoices.finalizeInvoice(state.stripe_invoice_id as string, { auto_advance: false }, { idempotencyKey: push.key('finalize') }), ctx.signal);
  const now = ctx.clock().toISOString();
  await checkpoint(push, { step: 'done', status: 'synced', payment_url: finalized.hosted_invoice_url ?? null, synced_at: now, error: null }, async (tx) => {
    const view = await getDocument(tx, job.business_id, 'invoice', invoice.id, ctx.config.publicUrl);
    await emitEvents(tx, job.business_id, now, [{ type: 'INVOICE_STRIPE_SYNCED', data: view }]);
  });
  return { ...state, step: 'done' };
}

const STEPS: Record<Exclude<Step, 'done'>, (push: Push, state: PushState) => Promise<PushState>> = {
  customer: stepCustomer,
  invoice: stepInvoice,
  lines: stepLines,
  finalize: stepFinalize,
};

const readState = (ctx: WorkerContext, job: Job) =>
  ctx.db
    .selectFrom('stripe_invoice_syncs')
    .select(['status', 'step', 'stripe_customer_id', 'stripe_invoice_id', 'queued_at'])
    .where('business_id', '=', job.business_id)
    .where('invoice_id', '=', job.payload.invoice_id)
    .executeTakeFirst();

/** Stripe's error type, message and request id (never a key: Stripe does not echo secrets in errors). */
export function describeFailure(error: unknown): string {
  if (!isStripeError(error)) return (error instanceof Error ? error.message : String(error)).slice(0, 1000);
  const message = error.message.replace(/^\[req_[^\]]*\]\s*/, '');
  return `${error.rawType ?? error.type}: ${message}${error.requestId ? ` (request ${error.requestId})` : ''}`.slice(0, 1000);
}

/** The push ends without success: the reason is kept on the invoice and INVOICE_STRIPE_SYNC_FAILED is emitted. */
export async function failPush(job: Job, ctx: WorkerContext, reason: string): Promise<void> {
  const now = ctx.clock().toISOString();
  await ctx.db.transaction().execute(async (tx) => {
    const failed = await tx
      .updateTable('stripe_invoice_syncs')
      .set({ status: 'failed', error: reason, updated_at: now })
      .where('business_id', '=', job.business_id)
      .where('invoice_id', '=', job.payload.invoice_id)
      .where('status', '=', 'pending')
      .returning('invoice_id')
      .executeTakeFirst();
    if (!failed) return;
    const view = await getDocument(tx, job.business_id, 'invoice', job.payload.invoice_id, ctx.config.publicUrl);
    await emitEvents(tx, job.business_id, now, [{ type: 'INVOICE_STRIPE_SYNC_FAILED', data: view }]);
  });
}

/**
 * The push job of one invoice (docs/stripe.md, "Push"): customer, invoice, lines, finalize,
 * each step checkpointed. Stripe's 429 / 5xx are retried inside callStripe and then by the job
 * queue; any other answer fails the push with Stripe's message.
 */
export async function runPush(job: Job, ctx: WorkerContext): Promise<void> {
  const stored = await readState(ctx, job);
  if (stored?.status !== 'pending') return;
  let state: PushState = stored;
  const connection = await openConnection(ctx.db, job.business_id, keysOf(ctx.config));
  if (!connection) return failPush(job, ctx, 'Stripe is not connected.');
  const invoice = await getDocument(ctx.db, job.business_id, 'invoice', job.payload.invoice_id, ctx.config.publicUrl);
  if (invoice.status === 'void') return failPush(job, ctx, 'The invoice was voided in Billow before it reached Stripe.');
  const push: Push = { job, ctx, account: await stripeAccount(ctx.config, connection.secretKey), invoice, key: (what) => `billow_${job.business_id}_${invoice.id}_${what}` };
  try {
    while (state.step !== 'done') state = await STEPS[state.step](push, state);
  } catch (error) {
    if (isTransient(error)) throw error;
    await failPush(job, ctx, describeFailure(error));
  }
}
