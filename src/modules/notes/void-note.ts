import { uuidv7 } from '../../ids.ts';
import type { NoteKind } from '../../db/schema.ts';
import { balanceDue } from '../../domain/credit-notes.ts';
import { DomainError, notFound } from '../../domain/errors.ts';
import { type PostingLine, reversalLines } from '../../domain/ledger.ts';
import { type Context, type Tx, transact } from '../context.ts';
import { emitEvents } from '../events/outbox.ts';
import { postEntries } from '../ledger/journal.ts';
import { lockDocument } from '../invoicing/lock.ts';
import { NOTE_EVENT } from './create-notes.ts';
import { takeBackCustomerCredit } from './customer-credits.ts';
import { invoiceState, updateStatus } from './prepare-note.ts';
import { getNote } from './repository.ts';
import type { NoteView } from './view.ts';

const NOUN: Record<NoteKind, string> = { credit_note: 'Credit note', debit_note: 'Debit note' };
const refused = (message: string) => new DomainError('state.invalid', message);

async function noteEntries(tx: Tx, businessId: string, noteId: string): Promise<{ id: string; kind: string; lines: PostingLine[] }[]> {
  const rows = await tx
    .selectFrom('journal_entries as e')
    .innerJoin('journal_lines as l', (join) => join.onRef('l.business_id', '=', 'e.business_id').onRef('l.entry_id', '=', 'e.id'))
    .select(['e.id', 'e.kind', 'l.account_code', 'l.debit', 'l.credit'])
    .where('e.business_id', '=', businessId)
    .where('e.note_id', '=', noteId)
    .orderBy('e.id')
    .orderBy('l.line_no')
    .execute();
  const entries = new Map<string, { id: string; kind: string; lines: PostingLine[] }>();
  for (const r of rows) {
    const entry = entries.get(r.id) ?? { id: r.id, kind: r.kind, lines: [] };
    entry.lines.push({ account: r.account_code, debit: BigInt(r.debit), credit: BigInt(r.credit) });
    entries.set(r.id, entry);
  }
  return [...entries.values()];
}

/**
 * Voids a note with the exact reversal of each of its entries. A credit note only while
 * nothing of it left the business: no refund or out-of-band payment, and the customer still
 * holds its credit (which is taken back). A debit note only while what it added is unpaid.
 * Lock order: the invoice, then the note, then the customer's credit balance.
 */
export async function voidNote(ctx: Context, kind: NoteKind, id: string): Promise<NoteView> {
  return transact(ctx, async (tx) => {
    const found = await tx.selectFrom('credit_notes').select('invoice_id').where('business_id', '=', ctx.businessId).where('kind', '=', kind).where('id', '=', id).executeTakeFirst();
    if (!found) throw notFound(NOUN[kind], id);
    const invoice = await lockDocument(tx, ctx.businessId, 'invoice', found.invoice_id);
    const note = await tx.selectFrom('credit_notes').selectAll().where('business_id', '=', ctx.businessId).where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
    if (note.status === 'void') throw refused(`${NOUN[kind]} ${note.number} is already void.`);
    const now = ctx.clock().toISOString();
    const state = invoiceState(invoice, [], undefined, new Map());
    const due = balanceDue({ total: BigInt(invoice.total), totalPaid: BigInt(invoice.total_paid), creditPrePayment: state.creditPrePayment, amountDebited: state.amountDebited });
    if (kind === 'credit_note') {
      if (note.refund_amount > 0 || note.out_of_band_amount > 0) throw refused(`Credit note ${note.number} was refunded; it cannot be voided.`);
      if (note.credit_amount > 0 && !(await takeBackCustomerCredit(tx, ctx.businessId, note.customer_id, note.currency, BigInt(note.credit_amount), now))) {
        throw refused(`The credit of credit note ${note.number} was already applied; it cannot be voided.`);
      }
      state.amountCredited -= BigInt(note.total);
      state.creditPrePayment -= BigInt(note.pre_payment_amount);
      updateStatus(state, due + BigInt(note.pre_payment_amount), now.slice(0, 10));
    } else {
      if (due < BigInt(note.total)) throw refused(`Debit note ${note.number} is already (partly) paid; it cannot be voided.`);
      state.amountDebited -= BigInt(note.total);
      updateStatus(state, due - BigInt(note.total), now.slice(0, 10));
    }
    const reversals = (await noteEntries(tx, ctx.businessId, id)).map((e) => ({
      id: uuidv7(),
      invoiceId: note.invoice_id,
      noteId: id,
      kind: `${e.kind}_void`,
      memo: `Void ${NOUN[kind].toLowerCase()} ${note.number}`,
      currency: note.currency,
      date: now.slice(0, 10),
      createdAt: now,
      lines: reversalLines(e.lines),
    }));
    await postEntries(tx, ctx.businessId, reversals);
    await tx.updateTable('credit_notes').set({ status: 'void', voided_at: now }).where('business_id', '=', ctx.businessId).where('id', '=', id).execute();
    await tx
      .updateTable('invoices')
      .set({
        status: state.status,
        amount_credited: Number(state.amountCredited),
        credit_pre_payment: Number(state.creditPrePayment),
        amount_debited: Number(state.amountDebited),
        paid_on: state.paidOn,
        updated_at: now,
      })
      .where('business_id', '=', ctx.businessId)
      .where('id', '=', note.invoice_id)
      .execute();
    const view = await getNote(tx, ctx.businessId, kind, id, ctx.baseUrl);
    await emitEvents(tx, ctx.businessId, now, [{ type: `${NOTE_EVENT[kind]}_VOIDED`, data: view }]);
    return view;
  });
}
