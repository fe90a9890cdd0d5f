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
] as const;
