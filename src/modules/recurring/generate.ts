import type { Business, RecurringTemplateRow } from '../../db/schema.ts';
import { todayFor } from '../../domain/dates.ts';
import type { DomainError } from '../../domain/errors.ts';
import { dateAfter, withinEnd } from '../../domain/schedule.ts';
import { sweepDelayedCharges } from '../charges/sweep-charges.ts';
import type { Context, Principal, Tx } from '../context.ts';
import { emitEvents, type OutboxEvent } from '../events/outbox.ts';
import { createDocumentsIn, type ItemResult } from '../invoicing/create-documents.ts';
import { invoiceInput } from './document.ts';
import { type Advance, claimDueTemplates, recordGenerated, writeAdvances } from './repository.ts';
import { endOf, scheduleOf, templateView } from './view.ts';

/** Who the scheduler's invoices are created by. */
export const SCHEDULER: Principal = { id: 'recurring-scheduler', name: 'Recurring scheduler', type: 'admin' };

/** A failed generation is tried again after these delays; the failure after the last pauses the template. */
const RETRY_MINUTES = [5, 60];
export const MAX_FAILURES = RETRY_MINUTES.length + 1;

function advanceAfterSuccess(t: RecurringTemplateRow): Advance {
  const date = t.next_invoice_date as string;
  const generated = t.invoices_generated + 1;
  const next = dateAfter(scheduleOf(t), t.start_date, date);
  const more = withinEnd(endOf(t), next, generated);
  return {
    id: t.id,
    status: more ? 'active' : 'completed',
    next_invoice_date: more ? next : null,
    last_invoice_date: date,
    invoices_generated: generated,
    consecutive_failures: 0,
    last_error: null,
    retry_at: null,
  };
}

function advanceAfterFailure(t: RecurringTemplateRow, error: DomainError, now: Date): Advance {
  const failures = t.consecutive_failures + 1;
  const delay = RETRY_MINUTES[failures - 1];
  return {
    id: t.id,
    status: delay === undefined ? 'paused' : 'active',
    next_invoice_date: t.next_invoice_date,
    last_invoice_date: t.last_invoice_date,
    invoices_generated: t.invoices_generated,
    consecutive_failures: failures,
    last_error: `${t.next_invoice_date}: ${error.message}${error.field ? ` (${error.field})` : ''}`.slice(0, 2000),
    retry_at: delay === undefined ? null : new Date(now.getTime() + delay * 60_000).toISOString(),
  };
}

/** Makes the invoices of one group (with or without the delayed-charge sweep) through the invoicing engine. */
async function makeInvoices(tx: Tx, ctx: Context, group: RecurringTemplateRow[], maxLineItems: number, withCharges: boolean): Promise<ItemResult[]> {
  if (group.length === 0) return [];
  const items = group.map((t) => ({ input: invoiceInput(t, t.next_invoice_date as string), origin: { recurring_template_id: t.id } }));
  const extraLines = withCharges ? sweepDelayedCharges(ctx.businessId) : undefined;
  return (await createDocumentsIn(tx, ctx, items, { kind: 'invoice', maxLineItems, extraLines })).results;
}

function templateEvents(due: RecurringTemplateRow[], advances: Advance[], now: string): OutboxEvent[] {
  return due.flatMap((t, i) => {
    const a = advances[i] as Advance;
    if (a.status === t.status) return [];
    const type = a.status === 'completed' ? 'RECURRING_TEMPLATE_COMPLETED' : 'RECURRING_TEMPLATE_PAUSED';
    return [{ type, data: templateView({ ...t, ...a, updated_at: now }) }];
  });
}

/**
 * One chunk of the scheduler, inside the caller's transaction: claims up to `limit` due
 * templates, makes one invoice per template for its next date (prepared, priced, numbered,
 * posted, sent and swept exactly as any invoice), records which date made which invoice, and
 * advances each template (or records its failure). Everything commits together, so the
 * templates' dates are the checkpoint: a killed worker's chunk rolls back whole and is made
 * again, never twice. Returns how many templates it handled (0: nothing is due).
 */
export async function generateChunk(tx: Tx, ctx: Context, business: Business, limits: { chunk: number; maxLineItems: number }): Promise<number> {
  const now = ctx.clock();
  const due = await claimDueTemplates(tx, business.id, todayFor(business, ctx.clock), now.toISOString(), limits.chunk);
  if (due.length === 0) return 0;
  const plain = due.filter((t) => !t.include_delayed_charges);
  const swept = due.filter((t) => t.include_delayed_charges);
  const results = new Map<RecurringTemplateRow, ItemResult>();
  for (const [group, withCharges] of [[plain, false], [swept, true]] as const) {
    (await makeInvoices(tx, ctx, group, limits.maxLineItems, withCharges)).forEach((r, i) => results.set(group[i] as RecurringTemplateRow, r));
  }
  const advances = due.map((t) => {
    const result = results.get(t) as ItemResult;
    return result.ok ? advanceAfterSuccess(t) : advanceAfterFailure(t, result.error, now);
  });
  const made = due.flatMap((t) => {
    const result = results.get(t) as ItemResult;
    return result.ok ? [{ templateId: t.id, date: t.next_invoice_date as string, invoiceId: result.document.id }] : [];
  });
  await recordGenerated(tx, business.id, made);
  await writeAdvances(tx, business.id, advances, now.toISOString());
  await emitEvents(tx, business.id, now.toISOString(), templateEvents(due, advances, now.toISOString()));
  return due.length;
}
