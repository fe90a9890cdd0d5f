import { uuidv7 } from '../../ids.ts';
import type { InvoiceKind } from '../../db/schema.ts';
import { parseDate, todayIn } from '../../domain/dates.ts';
import { toSafeNumber } from '../../domain/decimal.ts';
import { invalid } from '../../domain/errors.ts';
import { applyPayment, type PaymentSource } from '../../domain/invoice-state.ts';
import { billPaymentLines, invoicePaymentLines } from '../../domain/ledger.ts';
import { type Context, transact } from '../context.ts';
import { emitEvents, type OutboxEvent } from '../events/outbox.ts';
import { postEntries } from '../ledger/journal.ts';
import { lockDocument } from './lock.ts';
import { getDocument } from './read.ts';
import type { DocumentView } from './view.ts';
import { eventPrefix } from './write.ts';

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
    if (paidOn < row.date) throw invalid(`paid_on must not be before the ${kind} date (${row.date}).`, 'paid_on');
    const amount = BigInt(input.amount);
    // What is owed to be fully paid: debit notes add to it, credits of unpaid amounts take from it.
    const owed = BigInt(row.total) + BigInt(row.amount_debited) - BigInt(row.credit_pre_payment);
    const next = applyPayment({ status: row.status, total: owed, totalPaid: BigInt(row.total_paid), amount, currency: row.currency, source, kind });
    const now = ctx.clock().toISOString();
    const entryId = uuidv7();
    const lines = kind === 'invoice' ? invoicePaymentLines(amount) : billPaymentLines(amount);
    const label = kind === 'invoice' ? `invoice ${row.number}` : `bill ${row.bill_number}`;
    await postEntries(tx, ctx.businessId, [
      { id: entryId, invoiceId: id, kind: `${kind}_payment`, memo: `Payment for ${label}`, currency: row.currency, date: paidOn, createdAt: now, lines },
    ]);
    await tx
      .insertInto('payments')
      .values({ business_id: ctx.businessId, id: uuidv7(), invoice_id: id, amount: input.amount, paid_on: paidOn, source, reference: input.reference ?? null, journal_entry_id: entryId, created_at: now })
      .execute();
    await tx
      .updateTable('invoices')
      .set({
        status: next.status,
        total_paid: toSafeNumber(next.totalPaid, 'amount'),
        paid_on: next.fullyPaid ? `${paidOn}T00:00:00.000Z` : null,
        updated_at: now,
      })
      .where('business_id', '=', ctx.businessId)
      .where('id', '=', id)
      .execute();
    const view = await getDocument(tx, ctx.businessId, kind, id, ctx.baseUrl);
    const prefix = eventPrefix(kind);
    const events: OutboxEvent[] = [{ type: `${prefix}_PAYMENT_CREATED`, data: view }];
    if (next.fullyPaid) events.push({ type: `${prefix}_PAID`, data: view });
    await emitEvents(tx, ctx.businessId, now, events);
    return view;
  });
}
