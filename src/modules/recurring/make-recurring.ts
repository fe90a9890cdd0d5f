import type { Business, InvoiceLineRow, InvoiceRow } from '../../db/schema.ts';
import { todayFor } from '../../domain/dates.ts';
import { DomainError } from '../../domain/errors.ts';
import { dateAfter, type Schedule } from '../../domain/schedule.ts';
import { getBusinessCached } from '../businesses/create-business.ts';
import { type Context, transact } from '../context.ts';
import { lockDocument } from '../invoicing/lock.ts';
import { resolveReferences } from '../invoicing/references.ts';
import type { LineItemInput } from '../invoicing/types.ts';
import { duplicateId, newTemplateRow, writeTemplates } from './create-templates.ts';
import { isUniqueViolation } from '../db-errors.ts';
import { referencedBy } from './document.ts';
import type { MakeRecurringInput, TemplateInput, TemplateView } from './types.ts';

/** An invoice line as a template line: priced as it was invoiced; the item still fills its HSN code. */
function templateLine(line: InvoiceLineRow): LineItemInput {
  return {
    ...(line.item_id ? { item_id: line.item_id } : {}),
    name: line.name,
    description: line.description,
    hsn_code: line.hsn_code,
    quantity: line.quantity,
    unit_price: line.unit_price,
    tax_rate: line.tax_rate,
    ...(line.discount_percent === null ? {} : { discount_percent: line.discount_percent }),
    ...(line.discount_amount === null ? {} : { discount_amount: line.discount_amount }),
  };
}

/** A monthly series without day_of_month keeps the invoice's day (31 stays the month's end). */
function scheduleFrom(schedule: Schedule, invoice: InvoiceRow): Schedule {
  if (schedule.frequency !== 'month' || schedule.day_of_month !== undefined) return schedule;
  return { ...schedule, day_of_month: Number(invoice.date.slice(8, 10)) };
}

/** By default the series continues the invoice: its first date is the next one after it, not before today. */
function defaultStart(schedule: Schedule, invoice: InvoiceRow, today: string): string {
  let date = dateAfter(schedule, invoice.date, invoice.date);
  while (date < today) date = dateAfter(schedule, invoice.date, date);
  return date;
}

/**
 * POST /api/v1/invoices/{id}/recurring: a template with the invoice's customer, currency,
 * place of supply, description and lines; the invoice's recurring_template_id then points at
 * it (seeds/001 "or if one was created"). One transaction, the invoice locked throughout.
 */
export async function makeRecurring(ctx: Context, invoiceId: string, input: MakeRecurringInput, limits: { maxLineItems: number }): Promise<TemplateView> {
  const business = await getBusinessCached(ctx.db, ctx.businessId);
  try {
    return await makeIn(ctx, business, invoiceId, input, limits);
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateId(input.id ?? '');
    throw error;
  }
}

function makeIn(ctx: Context, business: Business, invoiceId: string, input: MakeRecurringInput, limits: { maxLineItems: number }): Promise<TemplateView> {
  return transact(ctx, async (tx) => {
    const invoice = await lockDocument(tx, ctx.businessId, 'invoice', invoiceId);
    if (invoice.status === 'void') throw new DomainError('state.invalid', `Invoice '${invoiceId}' is void; it cannot be made recurring.`);
    if (invoice.recurring_template_id) throw new DomainError('state.invalid', `Invoice '${invoiceId}' already belongs to recurring template '${invoice.recurring_template_id}'.`);
    const lines = await tx.selectFrom('invoice_lines').selectAll().where('business_id', '=', ctx.businessId).where('invoice_id', '=', invoiceId).orderBy('position').execute();
    const today = todayFor(business, ctx.clock);
    const schedule = scheduleFrom(input.schedule, invoice);
    const template: TemplateInput = {
      ...input,
      name: input.name ?? `Recurring ${invoice.number ?? invoice.id}`,
      customer_id: invoice.customer_id as string,
      currency: invoice.currency,
      ...(invoice.place_of_supply ? { place_of_supply: invoice.place_of_supply } : {}),
      ...(invoice.description ? { description: invoice.description } : {}),
      line_items: (lines as InvoiceLineRow[]).map(templateLine),
      schedule,
      start_date: input.start_date ?? defaultStart(schedule, invoice, today),
    };
    const refs = await resolveReferences(tx, ctx.businessId, 'invoice', [referencedBy(template)]);
    const now = ctx.clock().toISOString();
    const row = newTemplateRow(template, refs, { maxLineItems: limits.maxLineItems, now, clock: ctx.clock, today });
    const [view] = await writeTemplates(tx, business, [row], now, (views) => views.map((v) => ({ type: 'RECURRING_TEMPLATE_CREATED', data: v })));
    await tx.updateTable('invoices').set({ recurring_template_id: row.id, updated_at: now }).where('business_id', '=', ctx.businessId).where('id', '=', invoiceId).execute();
    return view as TemplateView;
  });
}
