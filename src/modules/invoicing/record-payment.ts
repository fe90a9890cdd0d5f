import type { InvoiceKind } from '../../db/schema.ts';
import { parseDate, todayIn } from '../../domain/dates.ts';
import type { PaymentSource } from '../../domain/invoice-state.ts';
import { type Context, transact } from '../context.ts';
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
export async function recordPayment(ctx: Context, kind: InvoiceKind, id: string, input: PaymentInput): Promise<DocumentView> {
  const paidOn = input.paid_on === undefined ? todayIn(ctx.clock) : parseDate(input.paid_on, 'paid_on');
  const source = input.source ?? 'manual';
  return transact(ctx, async (tx) => {
    const row = await lockDocument(tx, ctx.businessId, kind, id);
    const [view] = await applyPayments(tx, ctx, kind, [{ row, amount: BigInt(input.amount), paidOn, source, reference: input.reference ?? null }]);
    return view as DocumentView;
  });
}
