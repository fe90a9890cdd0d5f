import type { Business, RecurringTemplateRow } from '../../db/schema.ts';
import { addDays, todayFor } from '../../domain/dates.ts';
import { DomainError } from '../../domain/errors.ts';
import { assertSchedule, upcomingDates } from '../../domain/schedule.ts';
import { getBusinessCached } from '../businesses/create-business.ts';
import { type Context, type Tx, transact } from '../context.ts';
import { emitEvents, type OutboxEvent } from '../events/outbox.ts';
import { resolveReferences } from '../invoicing/references.ts';
import { invoiceInput } from './document.ts';
import { getTemplate, lockTemplate, updateTemplate } from './repository.ts';
import { dueMoment, scheduleRun } from './runs.ts';
import type { TemplatePatch, TemplateStatus, TemplateView } from './types.ts';
import { assertEnd, assertInvoiceable, firstScheduledDate } from './validate.ts';
import { endOf, scheduleColumns, scheduleOf, templateView } from './view.ts';

type Changes = Partial<Omit<RecurringTemplateRow, 'business_id' | 'id'>>;

const stateError = (row: RecurringTemplateRow, action: string) =>
  new DomainError('state.invalid', `Recurring template '${row.id}' is ${row.status}; it cannot be ${action}.`);

/** The next date a template can make, from `from` on: null when its end is reached. */
function nextFrom(row: RecurringTemplateRow, from: string): string | null {
  return firstScheduledDate(scheduleOf(row), row.start_date, from < row.start_date ? row.start_date : from, endOf(row), row.invoices_generated);
}

/** The date after the last one made, or the start: the first date not yet generated. */
const notYetMade = (row: RecurringTemplateRow) => (row.last_invoice_date ? addDays(row.last_invoice_date, 1) : row.start_date);

/** Where a paused template picks up: today, or later if it has made dates beyond today. */
const resumeFrom = (row: RecurringTemplateRow, today: string) => [notYetMade(row), today].sort()[1] as string;

/**
 * One change to one template: lock it, compute the change, write it with its events, and bring
 * the business's scheduler run forward if the template is due sooner. One transaction.
 */
async function changeTemplate(ctx: Context, id: string, change: (tx: Tx, row: RecurringTemplateRow, business: Business) => Promise<{ changes: Changes; events: string[] }>): Promise<TemplateView> {
  const business = await getBusinessCached(ctx.db, ctx.businessId);
  return transact(ctx, async (tx) => {
    const row = await lockTemplate(tx, ctx.businessId, id);
    const { changes, events } = await change(tx, row, business);
    const now = ctx.clock().toISOString();
    const updated = await updateTemplate(tx, ctx.businessId, id, { ...changes, updated_at: now });
    if (updated.status === 'active' && updated.next_invoice_date) await scheduleRun(tx, ctx.businessId, dueMoment(updated.next_invoice_date, business.time_zone), undefined, ctx.clock());
    const view = templateView(updated);
    await emitEvents(tx, ctx.businessId, now, events.map((type): OutboxEvent => ({ type: `RECURRING_TEMPLATE_${type}`, data: view })));
    return view;
  });
}

/** Completed when the end leaves no date: otherwise the new next date. */
function withNext(next: string | null, status: TemplateStatus): { changes: Changes; completed: boolean } {
  if (next === null) return { changes: { next_invoice_date: null, status: 'completed' }, completed: true };
  return { changes: { next_invoice_date: next, status }, completed: false };
}

export function pauseTemplate(ctx: Context, id: string): Promise<TemplateView> {
  return changeTemplate(ctx, id, async (_tx, row) => {
    if (row.status !== 'active') throw stateError(row, 'paused');
    return { changes: { status: 'paused' }, events: ['PAUSED'] };
  });
}

/** Resumes from today: dates that fell during the pause are skipped (docs/recurring.md). */
export function resumeTemplate(ctx: Context, id: string): Promise<TemplateView> {
  return changeTemplate(ctx, id, async (_tx, row, business) => {
    if (row.status !== 'paused') throw stateError(row, 'resumed');
    const next = withNext(nextFrom(row, resumeFrom(row, todayFor(business, ctx.clock))), 'active');
    const changes = { ...next.changes, consecutive_failures: 0, retry_at: null };
    return { changes, events: next.completed ? ['COMPLETED'] : ['RESUMED'] };
  });
}

export function cancelTemplate(ctx: Context, id: string): Promise<TemplateView> {
  return changeTemplate(ctx, id, async (_tx, row) => {
    if (row.status !== 'active' && row.status !== 'paused') throw stateError(row, 'canceled');
    return { changes: { status: 'canceled', next_invoice_date: null, retry_at: null }, events: ['CANCELED'] };
  });
}

function patchedFields(row: RecurringTemplateRow, patch: TemplatePatch): Changes {
  const keep = <K extends keyof TemplatePatch>(key: K) => (patch[key] === undefined ? {} : { [key]: patch[key] });
  return {
    ...keep('name'),
    ...keep('currency'),
    ...keep('place_of_supply'),
    ...keep('description'),
    ...keep('notes'),
    ...keep('line_items'),
    ...keep('due_days'),
    ...keep('mode'),
    ...keep('include_delayed_charges'),
    ...(patch.schedule || patch.end ? scheduleColumns(patch.schedule ?? scheduleOf(row), patch.end ?? endOf(row)) : {}),
  } as Changes;
}

/**
 * PATCH: applies to invoices not yet generated; those already made stay as they are. A new
 * schedule or end is anchored at the template's start_date and takes effect from the first
 * date not yet made; the next invoice is checked as the engine would make it.
 */
export function patchTemplate(ctx: Context, id: string, patch: TemplatePatch, limits: { maxLineItems: number }): Promise<TemplateView> {
  return changeTemplate(ctx, id, async (tx, row, business) => {
    if (row.status !== 'active' && row.status !== 'paused') throw stateError(row, 'changed');
    if (patch.schedule) assertSchedule(patch.schedule);
    if (patch.end) assertEnd(patch.end, row.start_date);
    const merged = { ...row, ...patchedFields(row, patch) } as RecurringTemplateRow;
    const recalculated = patch.schedule || patch.end ? withNext(nextFrom(merged, notYetMade(row)), row.status) : undefined;
    const date = recalculated?.changes.next_invoice_date ?? row.next_invoice_date ?? todayFor(business, ctx.clock);
    const refs = await resolveReferences(tx, ctx.businessId, 'invoice', [invoiceInput(merged, date)]);
    const now = ctx.clock().toISOString();
    assertInvoiceable(merged, date, refs, { maxLineItems: limits.maxLineItems, now, clock: ctx.clock, today: todayFor(business, ctx.clock) });
    const changes = { ...patchedFields(row, patch), ...recalculated?.changes };
    return { changes, events: recalculated?.completed ? ['UPDATED', 'COMPLETED'] : ['UPDATED'] };
  });
}

/** The next `count` invoice dates, without writing anything: a paused template shows what resuming today would give. */
export async function previewTemplate(ctx: Context, id: string, count: number): Promise<{ template_id: string; dates: string[] }> {
  const [business, row] = await Promise.all([getBusinessCached(ctx.db, ctx.businessId), getTemplate(ctx.db, ctx.businessId, id)]);
  const resumed = () => nextFrom(row, resumeFrom(row, todayFor(business, ctx.clock)));
  const first = row.status === 'paused' ? resumed() : row.status === 'active' ? row.next_invoice_date : null;
  const dates = first ? upcomingDates(scheduleOf(row), row.start_date, first, endOf(row), row.invoices_generated, count) : [];
  return { template_id: row.id, dates };
}
