import { sql } from 'kysely';
import type { Tx } from '../modules/context.ts';

/** PostgreSQL element types of the columns we bulk-insert. */
export type ColumnType = 'text' | 'int' | 'bigint' | 'numeric' | 'boolean' | 'date' | 'timestamptz' | 'json';

/**
 * Set-based insert: one array parameter per column and `insert … select from unnest(…)`,
 * so a statement carries a few dozen parameters whatever the row count (multi-row VALUES
 * needs one per cell and hits PostgreSQL's 65,535-parameter limit). Measured cheaper than
 * multi-row VALUES on both drivers (docs/PERFORMANCE.md, R2).
 */
export async function insertUnnest<R extends object>(tx: Tx, table: string, columns: Record<keyof R & string, ColumnType>, rows: R[]): Promise<void> {
  if (rows.length === 0) return;
  const names = Object.keys(columns) as (keyof R & string)[];
  const arrays = names.map((name) => sql`${rows.map((row) => (row[name] as unknown) ?? null)}::${sql.raw(columns[name])}[]`);
  await sql`insert into ${sql.table(table)} (${sql.join(names.map((n) => sql.ref(n)))}) select * from unnest(${sql.join(arrays)})`.execute(tx);
}
