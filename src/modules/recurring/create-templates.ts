import type { Business } from '../../db/schema.ts';
import { todayFor } from '../../domain/dates.ts';
import { DomainError } from '../../domain/errors.ts';
import { uuidv7 } from '../../ids.ts';
import { getBusinessCached } from '../businesses/create-business.ts';
import { type Context, type Tx, transact } from '../context.ts';
import { isUniqueViolation } from '../db-errors.ts';
import { emitEvents, type OutboxEvent } from '../events/outbox.ts';
import type { References } from '../invoicing/prepare.ts';
import { resolveReferences } from '../invoicing/references.ts';
import { existingTemplateIds, insertTemplates } from './repository.ts';
import { dueMoment, scheduleRun } from './runs.ts';
import type { TemplateInput, TemplateView } from './types.ts';
import { assertInvoiceable, type CheckOptions, checkCalendar, type NewTemplateRow } from './validate.ts';
import { scheduleColumns, templateView } from './view.ts';
import { referencedBy } from './document.ts';

export type TemplateResult = { ok: true; template: TemplateView } | { ok: false; error: DomainError };

export interface TemplateOutcome {
  results: TemplateResult[];
  succeeded: number;
  failed: number;
}

export interface CreateTemplateOptions {
  maxLineItems: number;
  /** Emit RECURRING_TEMPLATE_BULK_CREATED (the bulk surface). */
  bulkEvent?: boolean | undefined;
}

/** A validated new template row: its calendar, and its first invoice checked as the engine would make it. */
export function newTemplateRow(input: TemplateInput, refs: References, options: CheckOptions): NewTemplateRow {
  const first = checkCalendar(input.schedule, input.start_date, input.end, input.backfill === true, options.today);
  const fields = {
    customer_id: input.customer_id,
    currency: input.currency ?? null,
    place_of_supply: input.place_of_supply ?? null,
    description: input.description ?? null,
    notes: input.notes ?? null,
    line_items: input.line_items,
    due_days: input.due_days ?? null,
    mode: input.mode,
  };
  assertInvoiceable(fields, first, refs, options);
  return {
    business_id: refs.business.id,
    id: input.id ?? uuidv7(),
    name: input.name,
    status: 'active',
    ...fields,
    ...scheduleColumns(input.schedule, input.end),
    start_date: input.start_date.slice(0, 10),
    include_delayed_charges: input.include_delayed_charges === true,
    backfill: input.backfill === true,
    next_invoice_date: first,
    last_invoice_date: null,
    last_error: null,
    retry_at: null,
    created_at: options.now,
    updated_at: options.now,
  };
}

type Slot = { input: TemplateInput; row?: NewTemplateRow; error?: DomainError };

export function duplicateId(id: string): DomainError {
  return new DomainError('conflict.duplicate', `Recurring template '${id}' already exists.`, 'id');
}

/** Validates every item against references resolved once per kind, and refuses taken or repeated ids. */
async function prepareSlots(ctx: Context, business: Business, inputs: (TemplateInput | DomainError)[], options: CreateTemplateOptions): Promise<Slot[]> {
  const slots: Slot[] = inputs.map((input) => (input instanceof DomainError ? { input: {} as TemplateInput, error: input } : { input }));
  const valid = slots.filter((s) => !s.error).map((s) => s.input);
  const [refs, taken] = await Promise.all([
    resolveReferences(ctx.db, ctx.businessId, 'invoice', valid.map(referencedBy)),
    existingTemplateIds(ctx.db, ctx.businessId, valid.flatMap((t) => (t.id ? [t.id] : []))),
  ]);
  const check: CheckOptions = { maxLineItems: options.maxLineItems, now: ctx.clock().toISOString(), clock: ctx.clock, today: todayFor(business, ctx.clock) };
  const seen = new Set<string>();
  for (const slot of slots.filter((s) => !s.error)) {
    const id = slot.input.id;
    if (id && (taken.has(id) || seen.has(id))) slot.error = duplicateId(id);
    if (id) seen.add(id);
    if (slot.error) continue;
    try {
      slot.row = newTemplateRow(slot.input, refs, check);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      slot.error = error;
    }
  }
  return slots;
}

/** Events of new templates, then the bulk aggregate when asked. */
function creationEvents(views: TemplateView[], total: number, options: CreateTemplateOptions): OutboxEvent[] {
  const events: OutboxEvent[] = views.map((view) => ({ type: 'RECURRING_TEMPLATE_CREATED', data: view }));
  if (options.bulkEvent) events.push({ type: 'RECURRING_TEMPLATE_BULK_CREATED', data: { count: views.length, failed: total - views.length, batch_size: total } });
  return events;
}

/** Inserts the rows, their events and the business's scheduler run at the earliest first date. */
export async function writeTemplates(tx: Tx, business: Business, rows: NewTemplateRow[], now: string, trailing: (views: TemplateView[]) => OutboxEvent[]): Promise<TemplateView[]> {
  const views = (await insertTemplates(tx, rows)).map(templateView);
  const firsts = rows.map((r) => dueMoment(r.next_invoice_date as string, business.time_zone).getTime());
  if (firsts.length > 0) await scheduleRun(tx, business.id, new Date(Math.min(...firsts)), undefined, new Date(now));
  await emitEvents(tx, business.id, now, trailing(views));
  return views;
}

function outcomeOf(slots: Slot[], views: TemplateView[]): TemplateOutcome {
  const byId = new Map(views.map((v) => [v.id, v]));
  const results: TemplateResult[] = slots.map((s) => (s.row ? { ok: true, template: byId.get(s.row.id) as TemplateView } : { ok: false, error: s.error as DomainError }));
  return { results, succeeded: views.length, failed: slots.length - views.length };
}

/** The transaction of a create: the outcome it returns is what the idempotency record seals. */
async function commitSlots<T>(ctx: Context, business: Business, slots: Slot[], options: CreateTemplateOptions, result: (outcome: TemplateOutcome) => T): Promise<T> {
  const rows = slots.flatMap((s) => (s.row ? [s.row] : []));
  const now = ctx.clock().toISOString();
  try {
    return await transact(ctx, async (tx) => result(outcomeOf(slots, await writeTemplates(tx, business, rows, now, (v) => creationEvents(v, slots.length, options)))));
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateId(rows.find((r) => slots.some((s) => s.input.id === r.id))?.id ?? '');
    throw error;
  }
}

/**
 * Creates recurring templates, each independently (SPEC §11, seeds/000 style for bulk). One
 * transaction writes every good template, its events and the scheduler's run; the outcome
 * lists, in request order, exactly what committed. An id taken concurrently between the
 * check and the insert refuses the request (409) and nothing is written.
 */
export async function createTemplates(ctx: Context, inputs: (TemplateInput | DomainError)[], options: CreateTemplateOptions): Promise<TemplateOutcome> {
  const business = await getBusinessCached(ctx.db, ctx.businessId);
  const slots = await prepareSlots(ctx, business, inputs, options);
  return commitSlots(ctx, business, slots, options, (outcome) => outcome);
}

/** Single create: the same path with one item; its failure is the request's error and nothing commits. */
export async function createTemplate(ctx: Context, input: TemplateInput, options: CreateTemplateOptions): Promise<TemplateView> {
  const business = await getBusinessCached(ctx.db, ctx.businessId);
  const slots = await prepareSlots(ctx, business, [input], options);
  if (slots[0]?.error) throw slots[0].error;
  return commitSlots(ctx, business, slots, options, (outcome) => {
    const [result] = outcome.results;
    if (!result?.ok) throw new Error('a prepared template was not written');
    return result.template;
  });
}
