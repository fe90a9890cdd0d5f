import { sql } from 'kysely';
import type { Tx } from '../modules/context.ts';

/** PostgreSQL types of the columns we bulk-insert. */
export type ColumnType = 'text' | 'int' | 'bigint' | 'numeric' | 'boolean' | 'date' | 'timestamptz' | 'json' | 'jsonb';

/**
 * Set-based insert of many rows with ONE parameter: the rows as a JSON array, expanded by
 * `json_to_recordset`. Measured cheaper than multi-row VALUES (one parameter per cell,
 * capped at 65,535) and than unnest (one array per column, which the driver escapes element
 * by element): V8 serializes JSON natively and PostgreSQL parses it once
 * (docs/PERFORMANCE.md). `json` columns take nested values, so payloads are not encoded twice.
 */
export async function insertRows<R extends object>(tx: Tx, table: string, columns: Record<keyof R & string, ColumnType>, rows: R[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`${insertStatement(table, columns, rows)}`.execute(tx);
}

/**
 * The same insert for rows with an `id` whose key may already be taken (client-chosen ids):
 * rows that conflict, also with a concurrent insert, are skipped; returns the ids inserted.
 */
export async function insertNewRows<R extends { id: string }>(tx: Tx, table: string, columns: Record<keyof R & string, ColumnType>, rows: R[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const result = await sql<{ id: string }>`${insertStatement(table, columns, rows)} on conflict do nothing returning id`.execute(tx);
  return new Set(result.rows.map((r) => r.id));
}

function insertStatement<R extends object>(table: string, columns: Record<keyof R & string, ColumnType>, rows: R[]) {
  const names = Object.keys(columns) as (keyof R & string)[];
  const list = sql.join(names.map((n) => sql.ref(n)));
  const definition = sql.join(names.map((n) => sql`${sql.ref(n)} ${sql.raw(columns[n])}`));
  return sql`insert into ${sql.table(table)} (${list}) select ${list} from json_to_recordset(${JSON.stringify(rows)}::json) as r(${definition})`;
}
