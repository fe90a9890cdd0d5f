import { type Expression, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import { invalid } from '../domain/errors.ts';

/** Lists are newest first, keyset-paginated on (created_at, id) with an opaque cursor. */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
  includeTotal?: boolean | undefined;
}

export interface Page<T> {
  items: T[];
  total: number | null;
  limit: number;
  next_cursor: string | null;
  prev_cursor: string | null;
  has_next: boolean;
  has_prev: boolean;
}

type Direction = 'next' | 'prev';
interface Keyset {
  at: string;
  id: string;
  dir: Direction;
}

const encode = (row: { created_at: string; id: string }, dir: Direction) =>
  Buffer.from(JSON.stringify([row.created_at, row.id, dir])).toString('base64url');

// Cursors are opaque but client-held: check every part before it reaches SQL.
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CURSOR_ID = /^[^\x00]{1,64}$/;

export function decodeCursor(cursor: string | undefined): Keyset | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [at, id, dir] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const valid =
      typeof at === 'string' && CURSOR_TIME.test(at) && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && CURSOR_ID.test(id);
    if (valid && (dir === 'next' || dir === 'prev')) return { at, id, dir };
  } catch {
    // fall through to the validation error
  }
  throw invalid('Invalid cursor.', 'cursor', 'query');
}

/** Where-clause and ordering for one page; `table` qualifies the columns when joined. */
export function keysetClause(keyset: Keyset | undefined, table?: string) {
  const createdAt = sql.ref(table ? `${table}.created_at` : 'created_at');
  const id = sql.ref(table ? `${table}.id` : 'id');
  const backwards = keyset?.dir === 'prev';
  const where: Expression<SqlBool> | undefined = keyset
    ? backwards
      ? sql<SqlBool>`(${createdAt}, ${id}) > (${keyset.at}::timestamptz, ${keyset.id})`
      : sql<SqlBool>`(${createdAt}, ${id}) < (${keyset.at}::timestamptz, ${keyset.id})`
    : undefined;
  const order = backwards ? sql`${createdAt} asc, ${id} asc` : sql`${createdAt} desc, ${id} desc`;
  return { where, order, backwards };
}

/** Turns limit+1 fetched rows into a page; rows come in fetch order. */
export function toPage<R extends { created_at: string; id: string }, T>(
  rows: R[],
  request: PageRequest,
  keyset: Keyset | undefined,
  total: number | null,
  map: (row: R) => T,
): Page<T> {
  const more = rows.length > request.limit;
  const pageRows = rows.slice(0, request.limit);
  const backwards = keyset?.dir === 'prev';
  if (backwards) pageRows.reverse();
  const hasNext = backwards ? true : more;
  const hasPrev = backwards ? more : keyset !== undefined;
  const first = pageRows[0];
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(map),
    total,
    limit: request.limit,
    next_cursor: hasNext && last ? encode(last, 'next') : null,
    prev_cursor: hasPrev && first ? encode(first, 'prev') : null,
    has_next: hasNext && last !== undefined,
    has_prev: hasPrev && first !== undefined,
  };
}

/** How many rows a list's filtered query matches: its `total`, when the client asks for it. */
export async function totalOf<DB, TB extends keyof DB>(query: SelectQueryBuilder<DB, TB, object>, request: PageRequest): Promise<number | null> {
  if (!request.includeTotal) return null;
  const row = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number((row as { n: number | string }).n);
}
