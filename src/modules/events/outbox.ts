import { uuidv7 } from 'uuidv7';
import { type ColumnType, insertRows } from '../../db/insert-rows.ts';
import type { Tx } from '../context.ts';

const COLUMNS: Record<'business_id' | 'id' | 'type' | 'payload' | 'created_at', ColumnType> = {
  business_id: 'text',
  id: 'text',
  type: 'text',
  payload: 'json',
  created_at: 'timestamptz',
};

export interface OutboxEvent {
  type: string;
  data: unknown;
}

/**
 * Appends events to the outbox inside the caller's transaction, so an event exists exactly
 * when the change it reports commits. Payload: {id, type, created_at, business_id, data}.
 * Ids are UUIDv7, so per-business creation order is id order.
 */
export async function emitEvents(tx: Tx, businessId: string, createdAt: string, events: OutboxEvent[]): Promise<void> {
  const rows = events.map((event) => {
    const id = uuidv7();
    const payload = { id, type: event.type, created_at: createdAt, business_id: businessId, data: event.data };
    return { business_id: businessId, id, type: event.type, payload, created_at: createdAt };
  });
  await insertRows(tx, 'events', COLUMNS, rows);
}
