/** The job queue whose jobs (one per endpoint, keyed by its id) fan out and deliver its events. */
export const DRAIN_QUEUE = 'webhooks.drain';

/** Every event type Billow emits (docs/webhooks.md has a payload example of each). */
export const EVENT_TYPES = [
  'INVOICE_CREATED',
  'INVOICE_APPROVED',
  'INVOICE_PAYMENT_CREATED',
  'INVOICE_PAID',
  'INVOICE_VOIDED',
  'INVOICE_BULK_CREATED',
  'BILL_CREATED',
  'BILL_APPROVED',
  'BILL_PAYMENT_CREATED',
  'BILL_PAID',
  'BILL_VOIDED',
  'BILL_BULK_CREATED',
  'CREDIT_NOTE_CREATED',
  'CREDIT_NOTE_VOIDED',
  'CREDIT_NOTE_BULK_CREATED',
  'DEBIT_NOTE_CREATED',
  'DEBIT_NOTE_VOIDED',
  'DEBIT_NOTE_BULK_CREATED',
  'CUSTOMER_CREDIT_APPLIED',
  'IMPORT_COMPLETED',
] as const;
