import type { OutboxEvent } from '../events/outbox.ts';

/**
 * The one aggregate event of a CSV import, written when it ends, in the transaction that ends
 * it. An import within the request has no import record: its `import_id` is null.
 */
export function importCompleted(importId: string | null, status: 'succeeded' | 'failed', succeeded: number, failed: number): OutboxEvent {
  return { type: 'IMPORT_COMPLETED', data: { import_id: importId, status, succeeded, failed } };
}
