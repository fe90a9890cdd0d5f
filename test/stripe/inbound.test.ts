import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoicePayment, refundedCharge, signEvent, stripeEvent } from '../../scripts/fake-stripe.ts';
import type { Json } from '../helpers/app.ts';
import { eventsOf, expectDetail } from '../helpers/assertions.ts';
import { accountBalance, trialBalance } from '../invoicing/support.ts';
import { type Connected, connectedBusiness, finalizedInvoice, invoiceOf, postEvent, sendEvent, settledPush, type StripeTestEnv, stripeTestEnv } from './support.ts';

let env: StripeTestEnv;
beforeAll(async () => {
  env = await stripeTestEnv();
});
afterAll(() => env.close());

/** A connected business and one of its invoices, pushed to the fake Stripe. */
async function pushed(): Promise<{ c: Connected; invoice: Json; stripe: Json }> {
  const c = await connectedBusiness(env);
  const invoice = await settledPush(c.tenant, (await finalizedInvoice(c.tenant)).id);
  return { c, invoice, stripe: env.fake.invoices.get(invoice.stripe_invoice_id) as Json };
}

/** The Stripe invoice object of invoice.paid once `amount` is paid in all. */
const paidInvoice = (stripe: Json, amount: number, extra: Json = {}) => ({ ...stripe, status: 'paid', amount_paid: amount, amount_remaining: 0, status_transitions: { paid_at: Math.floor(Date.now() / 1000) }, ...extra });

const paymentsOf = (invoice: Json) => invoice.payments.map((p: Json) => ({ amount: p.amount, source: p.source, reference: p.reference }));

describe('Stripe events', () => {
  it('invoice.paid records one stripe payment: stripe_paid, total_paid = total; the same event again has no second effect', async () => {
    const { c, invoice, stripe } = await pushed();
    const event = stripeEvent('invoice.paid', paidInvoice(stripe, invoice.total));
    const payload = JSON.stringify(event);
    const first = await postEvent(env, c.tenant.id, payload, signEvent(payload, c.webhookSecret));
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ received: true, outcome: 'payment_recorded', invoice_id: invoice.id });
    const again = await postEvent(env, c.tenant.id, payload, signEvent(payload, c.webhookSecret));
    expect(again.json()).toEqual({ received: true, outcome: 'duplicate', invoice_id: invoice.id });
    const paid = await invoiceOf(c.tenant, invoice.id);
    expect(paid).toMatchObject({ status: 'stripe_paid', total_paid: invoice.total, balance_due: 0 });
    expect(paymentsOf(paid)).toEqual([{ amount: invoice.total, source: 'stripe', reference: stripe.id }]);
    expect((await eventsOf(env, c.tenant.id)).filter((e) => e.type === 'INVOICE_PAID')).toHaveLength(1);
  });

  it('a partial invoice_payment.paid then the full invoice.paid: partially_paid, then the rest, never twice', async () => {
    const { c, invoice, stripe } = await pushed();
    const part = 1_000;
    expect((await sendEvent(env, c, 'invoice_payment.paid', invoicePayment(stripe.id, part, 'pi_part1'))).outcome).toBe('payment_recorded');
    expect(await invoiceOf(c.tenant, invoice.id)).toMatchObject({ status: 'partially_paid', total_paid: part });
    expect((await sendEvent(env, c, 'invoice_payment.paid', invoicePayment(stripe.id, invoice.total - part, 'pi_part2'))).outcome).toBe('payment_recorded');
    expect((await sendEvent(env, c, 'invoice.paid', paidInvoice(stripe, invoice.total))).outcome).toBe('already_settled');
    const paid = await invoiceOf(c.tenant, invoice.id);
    expect(paid).toMatchObject({ status: 'stripe_paid', total_paid: invoice.total });
    expect(paymentsOf(paid)).toEqual([
      { amount: part, source: 'stripe', reference: 'pi_part1' },
      { amount: invoice.total - part, source: 'stripe', reference: 'pi_part2' },
    ]);
  });

  it('the reverse order: invoice.paid first, then the payments it covered add nothing', async () => {
    const { c, invoice, stripe } = await pushed();
    expect((await sendEvent(env, c, 'invoice.paid', paidInvoice(stripe, invoice.total))).outcome).toBe('payment_recorded');
    expect((await sendEvent(env, c, 'invoice_payment.paid', invoicePayment(stripe.id, 1_000, 'pi_late1'))).outcome).toBe('already_settled');
    expect((await sendEvent(env, c, 'invoice_payment.paid', invoicePayment(stripe.id, invoice.total - 1_000, 'pi_late2'))).outcome).toBe('already_settled');
    const paid = await invoiceOf(c.tenant, invoice.id);
    expect(paid).toMatchObject({ status: 'stripe_paid', total_paid: invoice.total });
    expect(paid.payments).toHaveLength(1);
  });

  it('a partial payment, then invoice.paid, then the late event of the other payment: exactly the total', async () => {
    const { c, invoice, stripe } = await pushed();
    await sendEvent(env, c, 'invoice_payment.paid', invoicePayment(stripe.id, 700, 'pi_a'));
    expect((await sendEvent(env, c, 'invoice.paid', paidInvoice(stripe, invoice.total))).outcome).toBe('payment_recorded');
    expect((await sendEvent(env, c, 'invoice_payment.paid', invoicePayment(stripe.id, invoice.total - 700, 'pi_b'))).outcome).toBe('already_settled');
    expect(await invoiceOf(c.tenant, invoice.id)).toMatchObject({ status: 'stripe_paid', total_paid: invoice.total });
  });

  it('tampered, stale, unsigned and other-business signatures are 400 and change nothing', async () => {
    const { c, invoice, stripe } = await pushed();
    const other = await connectedBusiness(env);
    const payload = JSON.stringify(stripeEvent('invoice.paid', paidInvoice(stripe, invoice.total)));
    const tampered = payload.replace(`"amount_paid":${invoice.total}`, `"amount_paid":${invoice.total - 1}`);
    const cases = [
      ['tampered body', tampered, signEvent(payload, c.webhookSecret)],
      ['stale (301 s old)', payload, signEvent(payload, c.webhookSecret, Math.floor(Date.now() / 1000) - 301)],
      ['another business’s secret', payload, signEvent(payload, other.webhookSecret)],
      ['garbage header', payload, 't=1,v1=00'],
    ] as const;
    for (const [what, body, signature] of cases) {
      const response = await postEvent(env, c.tenant.id, body, signature);
      expect(expectDetail(response, 400), what).toMatch(/Stripe-Signature does not verify/);
    }
    const unsigned = await env.app.inject({ method: 'POST', url: `/webhooks/stripe/${c.tenant.id}`, headers: { 'content-type': 'application/json' }, payload });
    expect(expectDetail(unsigned, 400)).toMatch(/missing/);
    // Signed correctly, but for a business that is not connected (or does not exist).
    expect(expectDetail(await postEvent(env, 'no-such-business', payload, signEvent(payload, c.webhookSecret)), 400)).toMatch(/no Stripe connection/);
    // The other business's route with this business's event signed by the other's secret: its invoice is unknown there.
    expect((await postEvent(env, other.tenant.id, payload, signEvent(payload, other.webhookSecret))).json().outcome).toBe('unknown_invoice');
    const after = await invoiceOf(c.tenant, invoice.id);
    expect(after).toMatchObject({ status: 'open', total_paid: 0 });
    const recorded = await env.database.db.selectFrom('stripe_events').select('event_id').where('business_id', '=', c.tenant.id).execute();
    expect(recorded).toHaveLength(0);
  });

  it('unknown invoices and event types answer 200 and are recorded as such; metadata.billow_invoice_id links an invoice Stripe made itself', async () => {
    const c = await connectedBusiness(env, 'manual');
    const invoice = await finalizedInvoice(c.tenant);
    expect(await sendEvent(env, c, 'invoice.paid', { id: 'in_unknown', object: 'invoice', amount_paid: 5, metadata: {} })).toMatchObject({ outcome: 'unknown_invoice', invoice_id: null });
    expect(await sendEvent(env, c, 'customer.created', { id: 'cus_x', object: 'customer' })).toMatchObject({ outcome: 'ignored' });
    const linked = await sendEvent(env, c, 'invoice.paid', { id: 'in_external1', object: 'invoice', amount_paid: invoice.total, metadata: { billow_invoice_id: invoice.id } });
    expect(linked).toMatchObject({ outcome: 'payment_recorded', invoice_id: invoice.id });
    expect(await invoiceOf(c.tenant, invoice.id)).toMatchObject({ stripe_invoice_id: 'in_external1', status: 'stripe_paid' });
    // Another business's invoice id in metadata is unknown here.
    const other = await connectedBusiness(env, 'manual');
    expect((await sendEvent(env, other, 'invoice.paid', { id: 'in_external2', object: 'invoice', amount_paid: 1, metadata: { billow_invoice_id: invoice.id } })).outcome).toBe('unknown_invoice');
  });

  it('charge.refunded in full: a post-payment credit note settled by refund_amount; the trial balance stays balanced and AR at zero', async () => {
    const { c, invoice, stripe } = await pushed();
    await sendEvent(env, c, 'invoice_payment.paid', invoicePayment(stripe.id, invoice.total, 'pi_full'));
    const refund = await sendEvent(env, c, 'charge.refunded', refundedCharge('pi_full', invoice.total, invoice.total));
    expect(refund).toMatchObject({ outcome: 'refund_recorded', invoice_id: invoice.id });
    expect((await sendEvent(env, c, 'charge.refunded', refundedCharge('pi_full', invoice.total, invoice.total))).outcome).toBe('already_refunded');
    const after = await invoiceOf(c.tenant, invoice.id);
    expect(after.credit_notes).toHaveLength(1);
    const note = (await c.tenant.get(`/api/v1/credit-notes/${after.credit_notes[0]}`)).json();
    expect(note).toMatchObject({ total: invoice.total, refund_amount: invoice.total, credit_amount: 0, pre_payment_amount: 0, tax_total: invoice.tax_total });
    const tb = await trialBalance(c.tenant);
    expect(tb.currencies.every((s: Json) => s.balanced)).toBe(true);
    expect(accountBalance(tb, 'USD', '1100')).toBe(0);
  });

  it('partial refunds, in two events with cumulative amount_refunded: credit notes of exactly each new amount', async () => {
    const { c, invoice, stripe } = await pushed();
    await sendEvent(env, c, 'invoice_payment.paid', invoicePayment(stripe.id, invoice.total, 'pi_parts'));
    await sendEvent(env, c, 'charge.refunded', refundedCharge('pi_parts', invoice.total, 1_001));
    await sendEvent(env, c, 'charge.refunded', refundedCharge('pi_parts', invoice.total, 5_003));
    const after = await invoiceOf(c.tenant, invoice.id);
    const notes = await Promise.all(after.credit_notes.map(async (id: string) => (await c.tenant.get(`/api/v1/credit-notes/${id}`)).json()));
    expect(notes.map((n) => [n.total, n.refund_amount])).toEqual([
      [1_001, 1_001],
      [4_002, 4_002],
    ]);
    expect((await trialBalance(c.tenant)).currencies.every((s: Json) => s.balanced)).toBe(true);
  });

  it('invoice.voided voids an unpaid invoice (not a paid one); invoice.marked_uncollectible shows on stripe_sync', async () => {
    const { c, invoice, stripe } = await pushed();
    expect((await sendEvent(env, c, 'invoice.voided', { ...stripe, status: 'void' })).outcome).toBe('voided');
    expect((await invoiceOf(c.tenant, invoice.id)).status).toBe('void');
    const paid = await pushed();
    await sendEvent(env, paid.c, 'invoice.paid', paidInvoice(paid.stripe, paid.invoice.total));
    expect((await sendEvent(env, paid.c, 'invoice.voided', { ...paid.stripe, status: 'void' })).outcome).toBe('not_voided');
    expect((await invoiceOf(paid.c.tenant, paid.invoice.id)).status).toBe('stripe_paid');
    const bad = await pushed();
    expect((await sendEvent(env, bad.c, 'invoice.marked_uncollectible', { ...bad.stripe, status: 'uncollectible' })).outcome).toBe('marked_uncollectible');
    expect(await invoiceOf(bad.c.tenant, bad.invoice.id)).toMatchObject({ status: 'open', stripe_sync: { uncollectible: true } });
  });

  it('the same event posted 5 times at once has one effect', async () => {
    const { c, invoice, stripe } = await pushed();
    const payload = JSON.stringify(stripeEvent('invoice.paid', paidInvoice(stripe, invoice.total)));
    const responses = await Promise.all(Array.from({ length: 5 }, () => postEvent(env, c.tenant.id, payload, signEvent(payload, c.webhookSecret))));
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(responses.map((r) => r.json().outcome).sort()).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'payment_recorded']);
    expect((await invoiceOf(c.tenant, invoice.id)).payments).toHaveLength(1);
  });
});
