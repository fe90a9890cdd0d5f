import { sql } from 'kysely';
import { uuidv7 } from '../../ids.ts';
import type { Selectable } from 'kysely';
import type { WebhookDeliveriesTable } from '../../db/schema.ts';
import { DomainError, notFound } from '../../domain/errors.ts';
import { insertRows } from '../../db/insert-rows.ts';
import { type Context, type Db, type Tx, transact } from '../context.ts';
import { eventId } from '../events/outbox.ts';
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
  next_attempt_at: 'timestamptz',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
} as const;

/**
 * Turns up to `limit` of the endpoint's queued batches into one delivery per subscribed event,
 * in event order. Rows are claimed with SKIP LOCKED and deleted in the transaction that
 * writes their deliveries, so a batch is fanned out exactly once, whenever it committed.
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
  const all = endpoint.events.includes('*');
  const at = now.toISOString();
  const rows = claimed.rows.flatMap((batch) =>
    batch.types.flatMap((type, seq) =>
      all || endpoint.events.includes(type)
        ? [{ business_id: endpoint.business_id, id: uuidv7(), endpoint_id: endpoint.id, batch_id: batch.id, seq, event_type: type, status: 'pending', next_attempt_at: at, created_at: at, updated_at: at }]
        : [],
    ),
  );
  await insertRows(tx, 'webhook_deliveries', DELIVERY_COLUMNS, rows);
  return claimed.rows.length;
}

export interface DueDelivery {
  id: string;
  batch_id: string;
  seq: number;
  event_type: string;
  attempts: number;
  next_attempt_at: string;
  event_created_at: string;
  /** The event's data as stored (JSON text), sent as is. */
  data: string;
}

/** The endpoint's next pending deliveries in event order, with their event data. */
export async function pendingDeliveries(db: Db, endpoint: EndpointRow, limit: number): Promise<DueDelivery[]> {
  const rows = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('event_batches as b', (join) => join.onRef('b.business_id', '=', 'd.business_id').onRef('b.id', '=', 'd.batch_id'))
    .select(['d.id', 'd.batch_id', 'd.seq', 'd.event_type', 'd.attempts', 'd.next_attempt_at', 'b.created_at as event_created_at'])
    .where('d.business_id', '=', endpoint.business_id)
    .where('d.endpoint_id', '=', endpoint.id)
    .where('d.status', '=', 'pending')
    .orderBy('d.batch_id')
    .orderBy('d.seq')
    .limit(limit)
    .execute();
  if (rows.length === 0) return [];
  // json_array_elements keeps each element's stored text: no parse and re-serialize in Node.
  const elements = await sql<{ id: string; seq: number; data: string }>`
    select b.id, (t.n - 1)::int as seq, t.value::text as data
    from event_batches b cross join lateral json_array_elements(b.data::json) with ordinality as t(value, n)
    where b.business_id = ${endpoint.business_id} and b.id = any(${[...new Set(rows.map((r) => r.batch_id))]}::text[])`.execute(db);
  const data = new Map(elements.rows.map((e) => [`${e.id}/${e.seq}`, e.data]));
  return rows.map((r) => ({ ...r, next_attempt_at: r.next_attempt_at as string, data: data.get(`${r.batch_id}/${r.seq}`) ?? 'null' }));
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
