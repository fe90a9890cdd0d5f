import { sql } from 'kysely';
import type { InvoiceRow } from '../../db/schema.ts';
import { partialRefundLines } from '../../domain/stripe.ts';
import { type Context, type Tx, transact } from '../context.ts';
import { lockDocument } from '../invoicing/lock.ts';
import { recordPaymentIn } from '../invoicing/record-payment.ts';
import { voidDocumentIn } from '../invoicing/void-document.ts';
import { issueNotes } from '../notes/create-notes.ts';
import type { NoteInput } from '../notes/types.ts';

/** The parts of a Stripe event Billow reads (API version STRIPE_API_VERSION). */
export interface StripeEvent {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}

/** What an event did, recorded with its id and answered to Stripe. */
export type Outcome =
  | 'payment_recorded'
  | 'already_settled'
  | 'refund_recorded'
  | 'already_refunded'
  | 'refund_not_recorded'
  | 'voided'
  | 'not_voided'
  | 'marked_uncollectible'
  | 'unknown_invoice'
  | 'ignored'
  | 'duplicate';

type Obj = Record<string, unknown>;
/** Stripe and Billow ids are word characters and dashes; anything else (NUL, a megabyte) is no id. */
const str = (v: unknown) => (typeof v === 'string' && /^[\w-]{1,255}$/.test(v) ? v : undefined);
const int = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : 0);

interface Found {
  invoice: InvoiceRow;
}

/**
 * The Billow invoice of a Stripe invoice, locked: by stripe_invoice_id, else by
 * metadata.billow_invoice_id (which then links the two). Another business's invoice is unknown.
 */
async function lockByStripeInvoice(tx: Tx, businessId: string, stripeInvoiceId: string | undefined, billowId: string | undefined): Promise<Found | undefined> {
  const linked = stripeInvoiceId
    ? await tx.selectFrom('invoices').select('id').where('business_id', '=', businessId).where('stripe_invoice_id', '=', stripeInvoiceId).executeTakeFirst()
    : undefined;
  const id = linked?.id ?? billowId;
  if (!id) return undefined;
  const invoice = await lockDocument(tx, businessId, 'invoice', id).catch(() => undefined);
  if (!invoice) return undefined;
  if (!invoice.stripe_invoice_id && stripeInvoiceId) {
    await tx.updateTable('invoices').set({ stripe_invoice_id: stripeInvoiceId }).where('business_id', '=', businessId).where('id', '=', id).execute();
  }
  return { invoice };
}

const balanceOf = (row: InvoiceRow) => row.total + row.amount_debited - row.total_paid - row.credit_pre_payment;

/** Stripe's paid_at as a date, never before the invoice's own date (a payment cannot precede it). */
function paidOn(row: InvoiceRow, paidAt: unknown, fallback: number): string {
  const seconds = typeof paidAt === 'number' ? paidAt : fallback;
  const day = new Date(seconds * 1000).toISOString().slice(0, 10);
  return day.localeCompare(row.date) < 0 ? row.date : day;
}

async function stripePaid(tx: Tx, businessId: string, invoiceId: string): Promise<number> {
  const row = await tx
    .selectFrom('payments')
    .select(sql<string>`coalesce(sum(amount), 0)`.as('paid'))
    .where('business_id', '=', businessId)
    .where('invoice_id', '=', invoiceId)
    .where('source', '=', 'stripe')
    .executeTakeFirstOrThrow();
  return Number(row.paid);
}

/** Records up to the balance due as a Stripe payment, through the one payment use case. */
async function pay(tx: Tx, ctx: Context, row: InvoiceRow, amount: number, reference: string, date: string): Promise<Outcome> {
  const payable = Math.min(amount, balanceOf(row));
  if (payable <= 0 || (row.status !== 'open' && row.status !== 'partially_paid')) return 'already_settled';
  await recordPaymentIn(tx, ctx, 'invoice', row.id, { amount: payable, paid_on: date, source: 'stripe', reference });
  return 'payment_recorded';
}

/**
 * invoice.paid: Stripe says the invoice is paid in full. What its invoice_payment.paid events
 * already recorded counts; the rest (amount_paid − Stripe payments recorded) is recorded now,
 * so the two events never count a payment twice in either order.
 */
async function onInvoicePaid(tx: Tx, ctx: Context, event: StripeEvent): Promise<Outcome> {
  const object = event.data.object;
  const found = await lockByStripeInvoice(tx, ctx.businessId, str(object.id), str((object.metadata as Obj | undefined)?.billow_invoice_id));
  if (!found) return 'unknown_invoice';
  const rest = int(object.amount_paid) - (await stripePaid(tx, ctx.businessId, found.invoice.id));
  const payments = ((object.payments as Obj | undefined)?.data as Obj[] | undefined) ?? [];
  const reference = paymentIdOf(payments.at(-1)) ?? (str(object.id) as string);
  return pay(tx, ctx, found.invoice, rest, reference, paidOn(found.invoice, (object.status_transitions as Obj | undefined)?.paid_at, event.created));
}

/** The Stripe payment an InvoicePayment carries: its payment intent, else its charge. */
function paymentIdOf(invoicePayment: Obj | undefined): string | undefined {
  const payment = invoicePayment?.payment as Obj | undefined;
  return str(payment?.payment_intent) ?? str(payment?.charge) ?? undefined;
}

/** invoice_payment.paid: one (possibly partial) payment; remembered by its payment id for refunds. */
async function onInvoicePaymentPaid(tx: Tx, ctx: Context, event: StripeEvent): Promise<Outcome> {
  const object = event.data.object;
  const found = await lockByStripeInvoice(tx, ctx.businessId, str(object.invoice), undefined);
  if (!found) return 'unknown_invoice';
  const paymentId = paymentIdOf(object) ?? (str(object.id) as string);
  const amount = int(object.amount_paid);
  const seen = await tx
    .insertInto('stripe_invoice_payments')
    .values({ business_id: ctx.businessId, stripe_payment_id: paymentId, invoice_id: found.invoice.id, amount, created_at: ctx.clock().toISOString() })
    .onConflict((oc) => oc.columns(['business_id', 'stripe_payment_id']).doNothing())
    .returning('stripe_payment_id')
    .executeTakeFirst();
  if (!seen) return 'already_settled';
  return pay(tx, ctx, found.invoice, amount, paymentId, paidOn(found.invoice, (object.status_transitions as Obj | undefined)?.paid_at, event.created));
}

/** A credit note for `gross` of the invoice: every line in full for a full refund, else free lines at the main rate. */
async function refundNote(tx: Tx, row: InvoiceRow, gross: number, chargeId: string): Promise<NoteInput> {
  const lines = await tx
    .selectFrom('invoice_lines')
    .select(['id', 'quantity', 'tax_rate', 'taxable'])
    .where('business_id', '=', row.business_id)
    .where('invoice_id', '=', row.id)
    .orderBy('taxable', 'desc')
    .execute();
  const memo = `Stripe refund of charge ${chargeId}`;
  const base = { invoice_id: row.id, reason: 'other' as const, memo, refund_amount: gross };
  if (gross === row.total && row.amount_credited === 0) return { ...base, lines: lines.map((l) => ({ line_id: l.id, quantity: String(l.quantity) })) };
  const regime = row.tax_regime as 'intra' | 'inter' | 'simple';
  return { ...base, lines: partialRefundLines(BigInt(gross), Number(lines[0]?.tax_rate ?? 0), regime, memo) };
}

/**
 * charge.refunded: amount_refunded is cumulative, so what is new is amount_refunded − what
 * Billow recorded for that payment. A fully paid invoice gets a post-payment credit note
 * settled by refund_amount; a refund on an invoice still owing is logged, not recorded.
 */
async function onChargeRefunded(tx: Tx, ctx: Context, event: StripeEvent): Promise<Outcome> {
  const object = event.data.object;
  const ids = [str(object.payment_intent), str(object.id)].filter((v): v is string => v !== undefined);
  const known = await tx
    .selectFrom('stripe_invoice_payments')
    .selectAll()
    .where('business_id', '=', ctx.businessId)
    .where('stripe_payment_id', 'in', ids.length > 0 ? ids : [''])
    .forUpdate()
    .executeTakeFirst();
  if (!known) return 'unknown_invoice';
  const row = await lockDocument(tx, ctx.businessId, 'invoice', known.invoice_id);
  const fresh = int(object.amount_refunded) - known.amount_refunded;
  if (fresh <= 0) return 'already_refunded';
  if (balanceOf(row) !== 0) return 'refund_not_recorded';
  const note = await refundNote(tx, row, fresh, str(object.id) ?? known.stripe_payment_id);
  const [result] = (await issueNotes(tx, ctx, [note], { kind: 'credit_note', maxLines: 500 })).results;
  if (!result?.ok) throw result?.error ?? new Error('the refund note produced no result');
  await tx
    .updateTable('stripe_invoice_payments')
    .set({ amount_refunded: known.amount_refunded + fresh })
    .where('business_id', '=', ctx.businessId)
    .where('stripe_payment_id', '=', known.stripe_payment_id)
    .execute();
  return 'refund_recorded';
}

/** invoice.voided voids an invoice nothing was paid on; one with payments or notes stays as it is (logged). */
async function onInvoiceVoided(tx: Tx, ctx: Context, event: StripeEvent): Promise<Outcome> {
  const object = event.data.object;
  const found = await lockByStripeInvoice(tx, ctx.businessId, str(object.id), str((object.metadata as Obj | undefined)?.billow_invoice_id));
  if (!found) return 'unknown_invoice';
  const row = found.invoice;
  if (row.status !== 'open' || row.amount_credited > 0 || row.amount_debited > 0) return 'not_voided';
  await voidDocumentIn(tx, ctx, 'invoice', row.id);
  return 'voided';
}

/** invoice.marked_uncollectible: shown on the invoice (stripe_sync.uncollectible); writing it off is the business's call. */
async function onMarkedUncollectible(tx: Tx, ctx: Context, event: StripeEvent): Promise<Outcome> {
  const object = event.data.object;
  const found = await lockByStripeInvoice(tx, ctx.businessId, str(object.id), str((object.metadata as Obj | undefined)?.billow_invoice_id));
  if (!found) return 'unknown_invoice';
  await tx
    .updateTable('stripe_invoice_syncs')
    .set({ uncollectible: true, updated_at: ctx.clock().toISOString() })
    .where('business_id', '=', ctx.businessId)
    .where('invoice_id', '=', found.invoice.id)
    .execute();
  return 'marked_uncollectible';
}

const HANDLERS: Record<string, (tx: Tx, ctx: Context, event: StripeEvent) => Promise<Outcome>> = {
  'invoice.paid': onInvoicePaid,
  'invoice_payment.paid': onInvoicePaymentPaid,
  'charge.refunded': onChargeRefunded,
  'invoice.voided': onInvoiceVoided,
  'invoice.marked_uncollectible': onMarkedUncollectible,
};

export const HANDLED_EVENT_TYPES = Object.keys(HANDLERS);

/**
 * Takes one verified Stripe event. Its id is inserted first, in the transaction of its
 * effect: a redelivery (or a concurrent copy, which waits on the primary key) finds it and
 * does nothing, and an effect that fails rolls the id back, so Stripe's retry tries again.
 */
export function takeStripeEvent(ctx: Context, event: StripeEvent): Promise<{ outcome: Outcome; invoice_id: string | null }> {
  return transact(ctx, async (tx) => {
    const fresh = await tx
      .insertInto('stripe_events')
      .values({ business_id: ctx.businessId, event_id: event.id, type: event.type, invoice_id: null, outcome: 'ignored', received_at: ctx.clock().toISOString() })
      .onConflict((oc) => oc.columns(['business_id', 'event_id']).doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (!fresh) {
      const earlier = await tx.selectFrom('stripe_events').select('invoice_id').where('business_id', '=', ctx.businessId).where('event_id', '=', event.id).executeTakeFirstOrThrow();
      return { outcome: 'duplicate' as Outcome, invoice_id: earlier.invoice_id };
    }
    const handler = HANDLERS[event.type];
    const outcome = handler ? await handler(tx, ctx, event) : 'ignored';
    const invoiceId = await linkedInvoice(tx, ctx.businessId, event);
    await tx.updateTable('stripe_events').set({ outcome, invoice_id: invoiceId }).where('business_id', '=', ctx.businessId).where('event_id', '=', event.id).execute();
    return { outcome, invoice_id: invoiceId };
  });
}

/** The Billow invoice an event concerned, for the record (null for unknown invoices and other types). */
async function linkedInvoice(tx: Tx, businessId: string, event: StripeEvent): Promise<string | null> {
  const object = event.data.object;
  const stripeInvoice = event.type === 'invoice_payment.paid' ? str(object.invoice) : event.type.startsWith('invoice.') ? str(object.id) : undefined;
  if (stripeInvoice) {
    const row = await tx.selectFrom('invoices').select('id').where('business_id', '=', businessId).where('stripe_invoice_id', '=', stripeInvoice).executeTakeFirst();
    return row?.id ?? null;
  }
  if (event.type !== 'charge.refunded') return null;
  const ids = [str(object.payment_intent), str(object.id)].filter((v): v is string => v !== undefined);
  if (ids.length === 0) return null;
  const row = await tx.selectFrom('stripe_invoice_payments').select('invoice_id').where('business_id', '=', businessId).where('stripe_payment_id', 'in', ids).executeTakeFirst();
  return row?.invoice_id ?? null;
}
