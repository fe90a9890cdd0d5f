import type { ColumnType, Generated, Selectable } from 'kysely';

/**
 * Row types as our type parsers return them: bigint → number (safe-integer guarded),
 * numeric → string, date → 'YYYY-MM-DD', timestamptz → ISO string.
 */
type Timestamp = ColumnType<string, string | undefined, string>;
type Json = ColumnType<unknown, string | null, string | null>;

export interface BusinessesTable {
  id: string;
  name: string;
  country: string;
  state: string | null;
  currency: string;
  gstin: string | null;
  invoice_prefix: Generated<string>;
  number_padding: Generated<number>;
  number_reset: Generated<'never' | 'fiscal_year'>;
  fiscal_year_start_month: Generated<number>;
  legal_name: string | null;
  address: Json;
  tax_id: string | null;
  locale: string | null;
  time_zone: Generated<string>;
  footer: string | null;
  terms: string | null;
  credit_note_prefix: Generated<string>;
  debit_note_prefix: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BusinessLogosTable {
  business_id: string;
  content_type: 'image/png' | 'image/jpeg';
  data: Uint8Array;
  updated_at: string;
}

export interface PrincipalsTable {
  id: string;
  name: string;
  type: 'admin' | 'api';
  created_at: Timestamp;
}

export interface MembershipsTable {
  business_id: string;
  principal_id: string;
  created_at: Timestamp;
}

export interface TokensTable {
  id: string;
  principal_id: string;
  name: string;
  prefix: string;
  hash: Uint8Array;
  scopes: string[];
  created_at: Timestamp;
  revoked_at: string | null;
}

export interface PartyTable {
  business_id: string;
  id: string;
  name: string;
  email: string | null;
  currency: string | null;
  billing_address: Json;
  state: string | null;
  gstin: string | null;
  payment_terms_days: number;
  created_at: string;
  updated_at: string;
}

export interface ItemsTable {
  business_id: string;
  id: string;
  name: string;
  description: string | null;
  unit_price: number;
  currency: string | null;
  tax_rate: string;
  hsn_code: string | null;
  created_at: string;
  updated_at: string;
}

export interface IdempotencyKeysTable {
  business_id: string;
  principal_id: string;
  key: string;
  fingerprint: string;
  status_code: number;
  content_type: string;
  body: string;
  created_at: Timestamp;
  expires_at: string;
}

export type InvoiceKind = 'invoice' | 'bill';

/** Tax components and totals: the same columns on documents and on their lines. */
interface TaxColumns {
  cgst: number;
  sgst: number;
  igst: number;
  tax: number;
  tax_total: number;
  total: number;
}

export interface InvoicesTable extends TaxColumns {
  business_id: string;
  id: string;
  kind: InvoiceKind;
  status: string;
  customer_id: string | null;
  vendor_id: string | null;
  party_name: string;
  party_email: string | null;
  /** The party's billing address, state and GSTIN (or VAT id) when the document was created. */
  party_address: unknown;
  party_state: string | null;
  party_gstin: string | null;
  number: string | null;
  bill_number: string | null;
  currency: string;
  date: string;
  due_date: string;
  place_of_supply: string | null;
  tax_regime: 'intra' | 'inter' | 'simple';
  description: string | null;
  reference: string | null;
  subtotal: number;
  discount_total: number;
  total_paid: Generated<number>;
  amount_credited: Generated<number>;
  credit_pre_payment: Generated<number>;
  amount_debited: Generated<number>;
  hosted_token: string;
  order_id: string | null;
  import_id: string | null;
  entity_id: string | null;
  stripe_invoice_id: string | null;
  recurring_template_id: string | null;
  delivered: Generated<boolean>;
  delivered_on: string | null;
  paid_on: string | null;
  finalized_at: string | null;
  voided_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface InvoiceLinesTable extends TaxColumns {
  business_id: string;
  invoice_id: string;
  id: string;
  position: number;
  item_id: string | null;
  name: string;
  description: string | null;
  hsn_code: string | null;
  quantity: string;
  unit_price: number;
  discount_percent: string | null;
  discount_amount: number | null;
  tax_rate: string;
  amount: number;
  discount: number;
  taxable: number;
}

export interface NumberSeriesTable {
  business_id: string;
  series: string;
  period: string;
  last_value: number;
}

export interface AccountsTable {
  business_id: string;
  code: string;
  name: string;
  type: 'asset' | 'liability' | 'revenue' | 'expense';
  /** A bank account's ledger account sits under Cash and Bank. */
  parent_code: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface JournalEntriesTable {
  business_id: string;
  id: string;
  invoice_id: string | null;
  note_id: string | null;
  kind: string;
  memo: string;
  currency: string;
  date: string;
  created_at: string;
}

export interface JournalLinesTable {
  business_id: string;
  entry_id: string;
  line_no: number;
  account_code: string;
  debit: number;
  credit: number;
}

export interface PaymentsTable {
  business_id: string;
  id: string;
  invoice_id: string;
  amount: number;
  paid_on: string;
  source: 'manual' | 'stripe' | 'credit';
  reference: string | null;
  journal_entry_id: string;
  created_at: string;
  bank_transaction_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export type NoteKind = 'credit_note' | 'debit_note';

export interface CreditNotesTable {
  business_id: string;
  id: string;
  kind: NoteKind;
  number: string;
  invoice_id: string;
  customer_id: string;
  currency: string;
  date: string;
  status: 'issued' | 'void';
  reason: string | null;
  memo: string | null;
  subtotal: number;
  cgst: number;
  sgst: number;
  igst: number;
  tax: number;
  tax_total: number;
  total: number;
  pre_payment_amount: number;
  refund_amount: number;
  credit_amount: number;
  out_of_band_amount: number;
  hosted_token: string;
  created_at: string;
  voided_at: string | null;
}

export interface CreditNoteLinesTable {
  business_id: string;
  note_id: string;
  id: string;
  position: number;
  invoice_line_id: string | null;
  name: string;
  hsn_code: string | null;
  quantity: string | null;
  tax_rate: string;
  taxable: number;
  cgst: number;
  sgst: number;
  igst: number;
  tax: number;
  tax_total: number;
  total: number;
}

export interface CustomerCreditsTable {
  business_id: string;
  customer_id: string;
  currency: string;
  balance: number;
  updated_at: string;
}

/** One row per emitting transaction: its events' types and data, in order (007_webhooks.sql). */
export interface EventBatchesTable {
  business_id: string;
  id: string;
  created_at: string;
  types: string[];
  /** A JSON array, as text: one element per type (011_event_data_text.sql). */
  data: string;
}

export interface WebhookEndpointsTable {
  business_id: string;
  id: string;
  url: string;
  description: string | null;
  events: string[];
  secret: string;
  previous_secret: string | null;
  previous_secret_until: string | null;
  disabled: Generated<boolean>;
  disabled_reason: string | null;
  failing_since: string | null;
  drain_by: string | null;
  drain_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookQueueTable {
  business_id: string;
  endpoint_id: string;
  batch_id: string;
}

export interface WebhookDeliveriesTable {
  business_id: string;
  id: string;
  endpoint_id: string;
  batch_id: string;
  seq: number;
  event_type: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: Generated<number>;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  response_excerpt: string | null;
  created_at: string;
  updated_at: string;
}

export interface FilesTable {
  business_id: string;
  key: string;
  filename: string;
  size: number;
  sha256: string;
  created_at: string;
}

export type ImportStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface ImportsTable {
  business_id: string;
  id: string;
  s3_key: string;
  status: ImportStatus;
  finalize: boolean;
  skip_invalid: boolean;
  validated: Generated<boolean>;
  checkpoint_rows: Generated<number>;
  rows_total: number | null;
  bytes_total: number;
  bytes_processed: Generated<number>;
  invoices_succeeded: Generated<number>;
  invoices_failed: Generated<number>;
  error_count: Generated<number>;
  message: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  kind: ColumnType<'invoices' | 'bank_statement', 'invoices' | 'bank_statement' | undefined, never>;
  params: Json;
}

export interface ImportErrorsTable {
  business_id: string;
  import_id: string;
  seq: number;
  row_number: number;
  column_name: string | null;
  invoice_ref: string | null;
  message: string;
  type: string;
  value: string | null;
}

export interface JobsTable {
  business_id: string;
  id: string;
  queue: string;
  key: string | null;
  payload: ColumnType<unknown, string, string>;
  attempts: Generated<number>;
  run_at: string;
  locked_by: string | null;
  locked_until: string | null;
  failed_at: string | null;
  last_error: string | null;
  created_at: string;
}

export interface DelayedChargesTable {
  business_id: string;
  id: string;
  customer_id: string;
  item_id: string | null;
  description: string;
  quantity: string;
  unit_price: number;
  currency: string;
  tax_rate: string;
  status: 'pending' | 'invoiced';
  invoice_id: string | null;
  invoiced_at: string | null;
  created_at: string;
  updated_at: string;
}

export type OrderStatus = 'open' | 'invoiced' | 'cancelled';

export interface OrdersTable {
  business_id: string;
  id: string;
  customer_id: string;
  currency: string;
  place_of_supply: string | null;
  meta: Json;
  status: OrderStatus;
  total: number;
  invoice_id: string | null;
  invoiced_by: Json;
  created_at: string;
  updated_at: string;
}

export interface OrderLinesTable {
  business_id: string;
  order_id: string;
  id: string;
  position: number;
  item_id: string | null;
  name: string;
  description: string | null;
  hsn_code: string | null;
  quantity: string;
  unit_price: number;
  discount_percent: string | null;
  discount_amount: number | null;
  tax_rate: string;
}

export interface SecretKeyCheckTable {
  id: number;
  sealed: string;
}

export interface StripeConnectionsTable {
  business_id: string;
  secret_key: string;
  webhook_secret: string;
  mode: 'test' | 'live';
  push: 'on_finalize' | 'manual';
  created_at: string;
  updated_at: string;
}

export interface StripeCustomersTable {
  business_id: string;
  customer_id: string;
  stripe_customer_id: string;
  created_at: string;
}

export interface StripeInvoiceSyncsTable {
  business_id: string;
  invoice_id: string;
  status: 'pending' | 'synced' | 'failed';
  step: 'customer' | 'invoice' | 'lines' | 'finalize' | 'done';
  stripe_customer_id: string | null;
  stripe_invoice_id: string | null;
  payment_url: string | null;
  error: string | null;
  uncollectible: Generated<boolean>;
  queued_at: string;
  synced_at: string | null;
  updated_at: string;
}

export interface StripeEventsTable {
  business_id: string;
  event_id: string;
  type: string;
  invoice_id: string | null;
  outcome: string;
  received_at: string;
}

export interface StripeInvoicePaymentsTable {
  business_id: string;
  stripe_payment_id: string;
  invoice_id: string;
  amount: number;
  amount_refunded: Generated<number>;
  created_at: string;
}

export interface BankAccountsTable {
  business_id: string;
  id: string;
  name: string;
  currency: string;
  last4: string | null;
  account_code: string;
  created_at: string;
  updated_at: string;
}

export type StatementFormat = 'csv' | 'ofx' | 'camt053';

export interface BankStatementsTable {
  business_id: string;
  id: string;
  bank_account_id: string;
  s3_key: string;
  format: StatementFormat;
  import_id: string | null;
  imported: Generated<number>;
  duplicates: Generated<number>;
  matched: Generated<number>;
  unmatched: Generated<number>;
  balance_mismatches: Generated<number>;
  created_at: string;
  updated_at: string;
}

export type BankTransactionStatus = 'unmatched' | 'matched' | 'ignored';

export interface BankTransactionsTable {
  business_id: string;
  id: string;
  bank_account_id: string;
  statement_id: string;
  line_number: number;
  date: string;
  amount: number;
  currency: string;
  description: string;
  reference: string | null;
  transaction_id: string | null;
  balance: number | null;
  dedupe_key: string;
  status: BankTransactionStatus;
  created_at: string;
  updated_at: string;
}

export interface DB {
  businesses: BusinessesTable;
  business_logos: BusinessLogosTable;
  principals: PrincipalsTable;
  memberships: MembershipsTable;
  tokens: TokensTable;
  customers: PartyTable;
  vendors: PartyTable;
  items: ItemsTable;
  idempotency_keys: IdempotencyKeysTable;
  invoices: InvoicesTable;
  invoice_lines: InvoiceLinesTable;
  number_series: NumberSeriesTable;
  accounts: AccountsTable;
  journal_entries: JournalEntriesTable;
  journal_lines: JournalLinesTable;
  payments: PaymentsTable;
  files: FilesTable;
  imports: ImportsTable;
  import_errors: ImportErrorsTable;
  jobs: JobsTable;
  delayed_charges: DelayedChargesTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  credit_notes: CreditNotesTable;
  credit_note_lines: CreditNoteLinesTable;
  customer_credits: CustomerCreditsTable;
  event_batches: EventBatchesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_queue: WebhookQueueTable;
  webhook_deliveries: WebhookDeliveriesTable;
  bank_accounts: BankAccountsTable;
  bank_statements: BankStatementsTable;
  bank_transactions: BankTransactionsTable;
  recurring_templates: RecurringTemplatesTable;
  recurring_invoices: RecurringInvoicesTable;
  secret_key_check: SecretKeyCheckTable;
  stripe_connections: StripeConnectionsTable;
  stripe_customers: StripeCustomersTable;
  stripe_invoice_syncs: StripeInvoiceSyncsTable;
  stripe_events: StripeEventsTable;
  stripe_invoice_payments: StripeInvoicePaymentsTable;
}

export type Business = Selectable<BusinessesTable>;
export type InvoiceRow = Selectable<InvoicesTable>;
export type InvoiceLineRow = Selectable<InvoiceLinesTable>;
export type DelayedChargeRow = Selectable<DelayedChargesTable>;
export type OrderRow = Selectable<OrdersTable>;
export type OrderLineRow = Selectable<OrderLinesTable>;
export type CreditNoteRow = Selectable<CreditNotesTable>;
export type CreditNoteLineRow = Selectable<CreditNoteLinesTable>;
export type ImportRow = Selectable<ImportsTable>;

export interface RecurringTemplatesTable {
  business_id: string;
  id: string;
  name: string;
  status: 'active' | 'paused' | 'completed' | 'canceled';
  customer_id: string;
  currency: string | null;
  place_of_supply: string | null;
  description: string | null;
  notes: string | null;
  line_items: Json;
  frequency: 'day' | 'week' | 'month' | 'year';
  interval: number;
  day_of_month: string | null;
  weekday: string | null;
  start_date: string;
  end_type: 'never' | 'on_date' | 'after_count';
  end_date: string | null;
  end_count: number | null;
  due_days: number | null;
  mode: 'draft' | 'finalize' | 'send';
  include_delayed_charges: boolean;
  backfill: boolean;
  next_invoice_date: string | null;
  last_invoice_date: string | null;
  invoices_generated: Generated<number>;
  consecutive_failures: Generated<number>;
  last_error: string | null;
  retry_at: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RecurringInvoicesTable {
  business_id: string;
  template_id: string;
  scheduled_date: string;
  invoice_id: string;
}

export type RecurringTemplateRow = Selectable<RecurringTemplatesTable>;
export type BankAccountRow = Selectable<BankAccountsTable>;
export type BankStatementRow = Selectable<BankStatementsTable>;
export type BankTransactionRow = Selectable<BankTransactionsTable>;
