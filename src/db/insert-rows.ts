import { sql } from 'kysely';
import type { Tx } from '../modules/context.ts';

/** PostgreSQL types of the columns we bulk-insert. */
export type ColumnType = 'text' | 'int' | 'bigint' | 'numeric' | 'boolean' | 'date' | 'timestamptz' | 'json';

/**
 * Set-based insert of many rows with ONE parameter: the rows as a JSON array, expanded by
 * `json_to_recordset`. Measured cheaper than multi-row VALUES (one parameter per cell,
 * capped at 65,535) and than unnest (one array per column, which the driver escapes element
 * by element): V8 serializes JSON natively and PostgreSQL parses it once
 * (docs/PERFORMANCE.md). `json` columns take nested values, so payloads are not encoded twice.
 */
export async function insertRows<R extends object>(tx: Tx, table: string, columns: Record<keyof R & string, ColumnType>, rows: R[]): Promise<void> {
  if (rows.length === 0) return;
  const names = Object.keys(columns) as (keyof R & string)[];
  const list = sql.join(names.map((n) => sql.ref(n)));
  const definition = sql.join(names.map((n) => sql`${sql.ref(n)} ${sql.raw(columns[n])}`));
  await sql`insert into ${sql.table(table)} (${list}) select ${list} from json_to_recordset(${JSON.stringify(rows)}::json) as r(${definition})`.execute(tx);
}
