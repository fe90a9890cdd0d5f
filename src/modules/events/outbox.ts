import { sql } from 'kysely';
import { uuidv7 } from '../../ids.ts';
import { enqueueJobs } from '../../jobs/queue.ts';
import type { Tx } from '../context.ts';
import { DRAIN_QUEUE } from '../webhooks/names.ts';

export interface OutboxEvent {
  type: string;
  data: unknown;
  /** `data` already serialized, when its caller has the text (documentJson). */
  json?: string | undefined;
}

/** Event i of batch B is `B.0000i`: stable, and in creation order when sorted as text. */
export const eventId = (batchId: string, seq: number) => `${batchId}.${String(seq).padStart(4, '0')}`;

/**
 * A batch's data: a JSON array whose elements are separated by `,\n`. JSON.stringify never
 * writes a raw newline, so the worker can cut the text back into each event's JSON with a
 * split instead of parsing and re-serializing every payload, while SQL and JSON.parse still
 * read it as one array.
 */
const SEPARATOR = ',\n';
export const batchText = (texts: string[]) => `[${texts.join(SEPARATOR)}]`;

/**
 * Each event's JSON text, in order. Batches written before the separator (one plain array)
 * are parsed and re-serialized instead.
 */
export function eventTexts(data: string, count: number): string[] {
  const texts = data.slice(1, -1).split(SEPARATOR);
  if (texts.length === count) return texts;
  return (JSON.parse(data) as unknown[]).map((value) => JSON.stringify(value));
}

/**
 * Appends events to the outbox inside the caller's transaction, so an event exists exactly
 * when the change it reports commits. All events of one call go into ONE row (a batch),
 * written by one statement that also marks the batch for every endpoint subscribed to one of
 * its types; those endpoints' drain jobs are enqueued in the same transaction. A bulk call of
 * 50 invoices therefore writes 2 outbox rows instead of 51 (docs/PERFORMANCE.md).
 * Batch ids are UUIDv7, so per-business creation order is (batch id, position) order.
 */
export async function emitEvents(tx: Tx, businessId: string, createdAt: string, events: OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const id = uuidv7();
  const types = events.map((e) => e.type);
  const data = batchText(events.map((e) => e.json ?? JSON.stringify(e.data)));
  const marked = await sql<{ endpoint_id: string }>`
    with batch as (
      insert into event_batches (business_id, id, created_at, types, data)
      values (${businessId}, ${id}, ${createdAt}, ${types}::text[], ${data})
    )
    insert into webhook_queue (business_id, endpoint_id, batch_id)
    select business_id, id, ${id} from webhook_endpoints
    where business_id = ${businessId} and not disabled and (events && ${types}::text[] or '*' = any(events))
    returning endpoint_id`.execute(tx);
  await enqueueJobs(
    tx,
    marked.rows.map((row) => ({ businessId, queue: DRAIN_QUEUE, key: row.endpoint_id, payload: { endpoint_id: row.endpoint_id } })),
  );
}
