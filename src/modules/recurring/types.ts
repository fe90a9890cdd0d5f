import type { End, Schedule } from '../../domain/schedule.ts';
import type { LineItemInput } from '../invoicing/types.ts';

export type TemplateMode = 'draft' | 'finalize' | 'send';
export type TemplateStatus = 'active' | 'paused' | 'completed' | 'canceled';

/** A recurring template as a client sends it (SPEC §11). */
export interface TemplateInput {
  id?: string | undefined;
  name: string;
  customer_id: string;
  currency?: string | undefined;
  place_of_supply?: string | undefined;
  description?: string | undefined;
  notes?: string | undefined;
  line_items: LineItemInput[];
  schedule: Schedule;
  start_date: string;
  end: End;
  due_days?: number | undefined;
  mode: TemplateMode;
  include_delayed_charges?: boolean | undefined;
  backfill?: boolean | undefined;
}

/** What PATCH may change: only invoices not yet generated see it. */
export interface TemplatePatch {
  name?: string | undefined;
  currency?: string | null | undefined;
  place_of_supply?: string | null | undefined;
  description?: string | null | undefined;
  notes?: string | null | undefined;
  line_items?: LineItemInput[] | undefined;
  schedule?: Schedule | undefined;
  end?: End | undefined;
  due_days?: number | null | undefined;
  mode?: TemplateMode | undefined;
  include_delayed_charges?: boolean | undefined;
}

/** POST /api/v1/invoices/{id}/recurring: the customer and lines come from the invoice. */
export interface MakeRecurringInput {
  id?: string | undefined;
  name?: string | undefined;
  schedule: Schedule;
  start_date?: string | undefined;
  end: End;
  due_days?: number | undefined;
  mode: TemplateMode;
  include_delayed_charges?: boolean | undefined;
}

export interface TemplateView {
  id: string;
  object: 'recurring_template';
  business_id: string;
  name: string;
  status: TemplateStatus;
  customer_id: string;
  currency: string | null;
  place_of_supply: string | null;
  description: string | null;
  notes: string | null;
  line_items: LineItemInput[];
  schedule: Schedule;
  start_date: string;
  end: End;
  due_days: number | null;
  mode: TemplateMode;
  include_delayed_charges: boolean;
  backfill: boolean;
  next_invoice_date: string | null;
  last_invoice_date: string | null;
  invoices_generated: number;
  consecutive_failures: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}
