import type { InvoiceKind } from '../../db/schema.ts';
import { parseDate, todayFor } from '../../domain/dates.ts';
import type { PaymentSource } from '../../domain/invoice-state.ts';
import { getBusinessCached } from '../businesses/create-business.ts';
import { type Context, type Tx, transact } from '../context.ts';
import { applyPayments } from './apply-payments.ts';
import { lockDocument } from './lock.ts';
import type { DocumentView } from './view.ts';

export interface PaymentInput {
  amount: number;
  paid_on?: string | undefined;
  source?: PaymentSource | undefined;
  reference?: string | undefined;
}

/**
 * Records a payment against an approved document: Dr Bank / Cr AR for invoices (Dr AP /
 * Cr Bank for bills), status by the domain state machine, events in the same transaction.
 */
export function recordPayment(ctx: Context, kind: InvoiceKind, id: string, input: PaymentInput): Promise<DocumentView> {
  return transact(ctx, (tx) => recordPaymentIn(tx, ctx, kind, id, input));
}

/** The same, inside a caller's transaction (a Stripe event records its id with the payment it makes). */
export async function recordPaymentIn(tx: Tx, ctx: Context, kind: InvoiceKind, id: string, input: PaymentInput): Promise<DocumentView> {
  // Read through the transaction: on PGlite (one session) a second handle would wait for it forever.
  const paidOn = input.paid_on === undefined ? todayFor(await getBusinessCached(tx, ctx.businessId), ctx.clock) : parseDate(input.paid_on, 'paid_on');
  const source = input.source ?? 'manual';
  const row = await lockDocument(tx, ctx.businessId, kind, id);
  const [view] = await applyPayments(tx, ctx, kind, [{ row, amount: BigInt(input.amount), paidOn, source, reference: input.reference ?? null }]);
  return view as DocumentView;
}
