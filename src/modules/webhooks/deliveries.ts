import { sql } from 'kysely';
import { uuidv7 } from '../../ids.ts';
import type { Selectable } from 'kysely';
import type { WebhookDeliveriesTable } from '../../db/schema.ts';
import { DomainError, notFound } from '../../domain/errors.ts';
import { insertRows } from '../../db/insert-rows.ts';
import { type Context, type Db, type Tx, transact } from '../context.ts';
import { eventId, eventTexts } from '../events/outbox.ts';
import { type EndpointRow, findEndpoint, wakeEndpoint } from './endpoints.ts';

type DeliveryRow = Selectable<WebhookDeliveriesTable>;

export interface DeliveryView {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryRow['status'];
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  response_excerpt: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
}

const deliveryView = (row: DeliveryRow): DeliveryView => ({
  id: row.id,
  endpoint_id: row.endpoint_id,
  event_id: eventId(row.batch_id, row.seq),
  event_type: row.event_type,
  status: row.status,
  attempts: row.attempts,
  last_status_code: row.last_status_code,
  last_error: row.last_error,
  response_excerpt: row.response_excerpt,
  last_attempt_at: row.last_attempt_at,
  // Only a pending delivery has a next attempt.
  next_attempt_at: row.status === 'pending' ? row.next_attempt_at : null,
  created_at: row.created_at,
  updated_at: row.updated_at,
});

const DELIVERY_COLUMNS = {
  business_id: 'text',
  id: 'text',
  endpoint_id: 'text',
  batch_id: 'text',
  seq: 'int',
  event_type: 'text',
  status: 'text',
  attempts: 'int',
  next_attempt_at: 'timestamptz',
  last_attempt_at: 'timestamptz',
  last_status_code: 'int',
  last_error: 'text',
  response_excerpt: 'text',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
} as const;

const subscribed = (endpoint: EndpointRow, type: string) => endpoint.events.includes('*') || endpoint.events.includes(type);

interface NewDelivery {
  id: string;
  batch_id: string;
  seq: number;
  event_type: string;
}

/** A delivery row as first written: pending, or already carrying the outcome of its first attempt. */
function deliveryRow(endpoint: EndpointRow, d: NewDelivery, at: string, attempt: AttemptRecord | undefined) {
  return {
    business_id: endpoint.business_id,
    id: d.id,
    endpoint_id: endpoint.id,
    batch_id: d.batch_id,
    seq: d.seq,
    event_type: d.event_type,
    status: attempt?.status ?? 'pending',
    attempts: attempt ? 1 : 0,
    next_attempt_at: attempt ? attempt.next : at,
    last_attempt_at: attempt ? at : null,
    last_status_code: attempt?.code ?? null,
    last_error: attempt?.error ?? null,
    response_excerpt: attempt?.excerpt ?? null,
    created_at: at,
    updated_at: at,
  };
}

/**
 * Turns up to `limit` of the endpoint's queued batches into one pending delivery per
 * subscribed event, in event order (the path taken while earlier deliveries wait for a
 * retry, so the log shows every waiting event). Rows are claimed with SKIP LOCKED and
 * deleted in the transaction that writes their deliveries, so a batch is fanned out once.
 */
export async function fanOut(tx: Tx, endpoint: EndpointRow, now: Date, limit: number): Promise<number> {
  const claimed = await sql<{ id: string; types: string[] }>`
    with claimed as (
      delete from webhook_queue q
      where (q.business_id, q.endpoint_id, q.batch_id) in (
        select business_id, endpoint_id, batch_id from webhook_queue
        where business_id = ${endpoint.business_id} and endpoint_id = ${endpoint.id}
        order by batch_id limit ${limit} for update skip locked)
      returning q.batch_id
    )
    select b.id, b.types from event_batches b join claimed c on c.batch_id = b.id
    where b.business_id = ${endpoint.business_id}
    order by b.id`.execute(tx);
  const at = now.toISOString();
  const rows = claimed.rows.flatMap((batch) =>
    batch.types.flatMap((type, seq) =>
      subscribed(endpoint, type) ? [deliveryRow(endpoint, { id: uuidv7(), batch_id: batch.id, seq, event_type: type }, at, undefined)] : [],
    ),
  );
  await insertRows(tx, 'webhook_deliveries', DELIVERY_COLUMNS, rows);
  return claimed.rows.length;
}

export interface DueDelivery extends NewDelivery {
  attempts: number;
  next_attempt_at: string;
  event_created_at: string;
  /** The event's data as stored (JSON text), sent as is. */
  data: string;
}

export interface QueuedBatch {
  id: string;
  created_at: string;
  types: string[];
  data: string;
}

/** Event batches by id, in id (creation) order. */
function readBatches(db: Db, businessId: string, ids: string[]): Promise<QueuedBatch[]> {
  return db
    .selectFrom('event_batches')
    .select(['id', 'created_at', 'types', 'data'])
    .where('business_id', '=', businessId)
    .where('id', '=', sql<string>`any(${ids}::text[])`)
    .orderBy('id')
    .execute();
}

/** The endpoint's next pending deliveries in event order, with their event data. */
export async function pendingDeliveries(db: Db, endpoint: EndpointRow, limit: number): Promise<DueDelivery[]> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select(['id', 'batch_id', 'seq', 'event_type', 'attempts', 'next_attempt_at'])
    .where('business_id', '=', endpoint.business_id)
    .where('endpoint_id', '=', endpoint.id)
    .where('status', '=', 'pending')
    .orderBy('batch_id')
    .orderBy('seq')
    .limit(limit)
    .execute();
  if (rows.length === 0) return [];
  const batches = await readBatches(db, endpoint.business_id, [...new Set(rows.map((r) => r.batch_id))]);
  const byId = new Map(batches.map((b) => [b.id, { created_at: b.created_at, texts: eventTexts(b.data, b.types.length) }]));
  return rows.map((r) => {
    const batch = byId.get(r.batch_id);
    return { ...r, next_attempt_at: r.next_attempt_at as string, event_created_at: batch?.created_at ?? '', data: batch?.texts[r.seq] ?? 'null' };
  });
}

/** The endpoint's oldest queued batches, as many as hold at most `maxEvents` events (at least one batch). */
export async function queuedBatches(db: Db, endpoint: EndpointRow, maxEvents: number): Promise<QueuedBatch[]> {
  const heads = await sql<{ batch_id: string; events: number }>`
    select q.batch_id, cardinality(b.types) as events
    from webhook_queue q join event_batches b on b.business_id = q.business_id and b.id = q.batch_id
    where q.business_id = ${endpoint.business_id} and q.endpoint_id = ${endpoint.id}
    order by q.batch_id limit ${maxEvents}`.execute(db);
  const ids: string[] = [];
  let events = 0;
  for (const head of heads.rows) {
    if (ids.length > 0 && events + head.events > maxEvents) break;
    ids.push(head.batch_id);
    events += head.events;
  }
  return ids.length === 0 ? [] : readBatches(db, endpoint.business_id, ids);
}

/** The subscribed events of queued batches as deliveries not yet written: their first attempt is due now. */
export function freshDeliveries(endpoint: EndpointRow, batches: QueuedBatch[], now: Date): DueDelivery[] {
  const at = now.toISOString();
  return batches.flatMap((batch) => {
    const seqs = batch.types.flatMap((type, seq) => (subscribed(endpoint, type) ? [seq] : []));
    if (seqs.length === 0) return [];
    const texts = eventTexts(batch.data, batch.types.length);
    return seqs.map((seq) => ({
      id: uuidv7(),
      batch_id: batch.id,
      seq,
      event_type: batch.types[seq] as string,
      attempts: 0,
      next_attempt_at: at,
      event_created_at: batch.created_at,
      data: texts[seq] as string,
    }));
  });
}

/**
 * Writes the deliveries of sent queued batches once, in their final state (those not
 * attempted, after a failure, as pending), and takes the batches off the queue: in one
 * transaction, so a worker killed before it commits sends the batches again (same webhook-id).
 */
export async function recordFresh(tx: Tx, endpoint: EndpointRow, batches: QueuedBatch[], fresh: DueDelivery[], attempts: AttemptRecord[], now: Date): Promise<void> {
  const at = now.toISOString();
  const outcome = new Map(attempts.map((a) => [a.id, a]));
  await insertRows(tx, 'webhook_deliveries', DELIVERY_COLUMNS, fresh.map((d) => deliveryRow(endpoint, d, at, outcome.get(d.id))));
  await sql`
    delete from webhook_queue
    where business_id = ${endpoint.business_id} and endpoint_id = ${endpoint.id} and batch_id = any(${batches.map((b) => b.id)}::text[])`.execute(tx);
}

export interface AttemptRecord {
  id: string;
  status: DeliveryRow['status'];
  code: number | null;
  error: string | null;
  excerpt: string | null;
  next: string | null;
}

/** Records a run of attempts with one statement. */
export async function recordAttempts(tx: Tx, businessId: string, attempts: AttemptRecord[], now: Date): Promise<void> {
  if (attempts.length === 0) return;
  const at = now.toISOString();
  await sql`
    update webhook_deliveries d set
      status = r.status, attempts = d.attempts + 1, last_attempt_at = ${at}, last_status_code = r.code,
      last_error = r.error, response_excerpt = r.excerpt, next_attempt_at = r.next, updated_at = ${at}
    from json_to_recordset(${JSON.stringify(attempts)}::json) as r(id text, status text, code int, error text, excerpt text, next timestamptz)
    where d.business_id = ${businessId} and d.id = r.id and d.status = 'pending'`.execute(tx);
}

export async function listDeliveries(db: Db, businessId: string, endpointId: string, page: { limit: number; cursor?: string | undefined; status?: string | undefined }) {
  await findEndpoint(db, businessId, endpointId);
  const after = page.cursor === undefined ? undefined : decodeDeliveryCursor(page.cursor);
  let query = db.selectFrom('webhook_deliveries').selectAll().where('business_id', '=', businessId).where('endpoint_id', '=', endpointId);
  if (after) query = query.where('id', '<', after);
  if (page.status) query = query.where('status', '=', page.status as DeliveryRow['status']);
  const rows = await query.orderBy('id', 'desc').limit(page.limit + 1).execute();
  const items = rows.slice(0, page.limit);
  const more = rows.length > page.limit;
  const last = items[items.length - 1];
  return {
    items: items.map(deliveryView),
    limit: page.limit,
    next_cursor: more && last ? Buffer.from(last.id).toString('base64url') : null,
    has_next: more,
  };
}

function decodeDeliveryCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new DomainError('validation.invalid', 'Invalid cursor.', 'cursor', 'query');
  return id;
}

/**
 * Sends a delivery again: it becomes pending with a fresh schedule and its endpoint's drain
 * job is woken. It goes out in event order, so after any older pending delivery.
 */
export async function retryDelivery(ctx: Context, endpointId: string, deliveryId: string): Promise<DeliveryView> {
  const now = ctx.clock().toISOString();
  return transact(ctx, async (tx) => {
    const row = await tx
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })
      .where('business_id', '=', ctx.businessId)
      .where('endpoint_id', '=', endpointId)
      .where('id', '=', deliveryId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('Delivery', deliveryId);
    // A second key: the endpoint's own job may be waiting for a far-off retry of another delivery.
    await wakeEndpoint(tx, ctx.businessId, endpointId, `${endpointId}:retry`);
    return deliveryView(row);
  });
}
