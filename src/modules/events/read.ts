import { type Expression, type SqlBool, sql } from 'kysely';
import { invalid, notFound } from '../../domain/errors.ts';
import type { Db } from '../context.ts';
import type { Page } from '../pagination.ts';
import { eventId } from './outbox.ts';

/** One event as the API and webhooks show it. */
export interface EventView {
  id: string;
  type: string;
  created_at: string;
  business_id: string;
  data: unknown;
}

export interface EventFilters {
  limit: number;
  cursor?: string | undefined;
  type?: string | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

interface Position {
  at: string;
  batch: string;
  seq: number;
}
interface Keyset extends Position {
  dir: 'next' | 'prev';
}

const EVENT_ID = /^([0-9a-f-]{36})\.(\d{1,9})$/;

/** Splits an event id into its batch and position; anything else is unknown. */
function parseEventId(id: string): { batch: string; seq: number } | undefined {
  const match = EVENT_ID.exec(id);
  return match ? { batch: match[1] as string, seq: Number(match[2]) } : undefined;
}

const encode = (p: Position, dir: Keyset['dir']) => Buffer.from(JSON.stringify([p.at, p.batch, p.seq, dir])).toString('base64url');

function decode(cursor: string | undefined): Keyset | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [at, batch, seq, dir] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const ok = typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof batch === 'string' && /^[0-9a-f-]{36}$/.test(batch);
    if (ok && Number.isInteger(seq) && (dir === 'next' || dir === 'prev')) return { at, batch, seq: seq as number, dir };
  } catch {
    // fall through to the validation error
  }
  throw invalid('Invalid cursor.', 'cursor', 'query');
}

interface Row {
  batch_id: string;
  created_at: string;
  type: string;
  seq: number;
}

/** The data of the events in `rows`, read once per batch (a batch is one JSON array). */
async function dataOf(db: Db, businessId: string, rows: Row[]): Promise<Map<string, unknown[]>> {
  const ids = [...new Set(rows.map((r) => r.batch_id))];
  if (ids.length === 0) return new Map();
  const batches = await db
    .selectFrom('event_batches')
    .select(['id', 'data'])
    .where('business_id', '=', businessId)
    .where('id', '=', sql<string>`any(${ids}::text[])`)
    .execute();
  return new Map(batches.map((b) => [b.id, JSON.parse(b.data) as unknown[]]));
}

async function views(db: Db, businessId: string, rows: Row[]): Promise<EventView[]> {
  const data = await dataOf(db, businessId, rows);
  return rows.map((r) => ({
    id: eventId(r.batch_id, r.seq),
    type: r.type,
    created_at: r.created_at,
    business_id: businessId,
    data: data.get(r.batch_id)?.[r.seq] ?? null,
  }));
}

/**
 * Every event of the business, newest first, expanded from the outbox batches; keyset-paged
 * on (created_at, batch, position), filtered by type and by an exclusive created range.
 */
export async function listEvents(db: Db, businessId: string, filters: EventFilters): Promise<Page<EventView>> {
  const keyset = decode(filters.cursor);
  const backwards = keyset?.dir === 'prev';
  const conditions: Expression<SqlBool>[] = [sql<SqlBool>`b.business_id = ${businessId}`];
  if (filters.type) conditions.push(sql<SqlBool>`${filters.type} = any(b.types) and t.type = ${filters.type}`);
  if (filters.createdAfter) conditions.push(sql<SqlBool>`b.created_at > ${filters.createdAfter}`);
  if (filters.createdBefore) conditions.push(sql<SqlBool>`b.created_at < ${filters.createdBefore}`);
  if (keyset) {
    const key = sql`(b.created_at, b.id, t.n - 1)`;
    const at = sql`(${keyset.at}::timestamptz, ${keyset.batch}, ${keyset.seq}::int)`;
    conditions.push(backwards ? sql<SqlBool>`${key} > ${at}` : sql<SqlBool>`${key} < ${at}`);
  }
  const order = backwards ? sql`b.created_at asc, b.id asc, t.n asc` : sql`b.created_at desc, b.id desc, t.n desc`;
  const result = await sql<Row>`
    select b.id as batch_id, b.created_at, t.type, (t.n - 1)::int as seq
    from event_batches b cross join lateral unnest(b.types) with ordinality as t(type, n)
    where ${sql.join(conditions, sql` and `)}
    order by ${order}
    limit ${filters.limit + 1}`.execute(db);
  const more = result.rows.length > filters.limit;
  const rows = result.rows.slice(0, filters.limit);
  if (backwards) rows.reverse();
  const hasNext = backwards ? true : more;
  const hasPrev = backwards ? more : keyset !== undefined;
  const first = rows[0];
  const last = rows[rows.length - 1];
  const position = (r: Row) => ({ at: r.created_at, batch: r.batch_id, seq: r.seq });
  return {
    items: await views(db, businessId, rows),
    total: null,
    limit: filters.limit,
    next_cursor: hasNext && last ? encode(position(last), 'next') : null,
    prev_cursor: hasPrev && first ? encode(position(first), 'prev') : null,
    has_next: hasNext && last !== undefined,
    has_prev: hasPrev && first !== undefined,
  };
}

export async function getEvent(db: Db, businessId: string, id: string): Promise<EventView> {
  const parsed = parseEventId(id);
  const batch = parsed
    ? await db
        .selectFrom('event_batches')
        .select(['id', 'created_at', 'types'])
        .where('business_id', '=', businessId)
        .where('id', '=', parsed.batch)
        .executeTakeFirst()
    : undefined;
  const type = parsed && batch?.types[parsed.seq];
  if (!parsed || !batch || type === undefined) throw notFound('Event', id);
  const [view] = await views(db, businessId, [{ batch_id: batch.id, created_at: batch.created_at, type, seq: parsed.seq }]);
  return view as EventView;
}

/** Drops events older than the retention period (and, by cascade, their deliveries). */
export async function purgeEvents(db: Db, now: Date, retentionDays: number): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  const result = await db.deleteFrom('event_batches').where('created_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}
