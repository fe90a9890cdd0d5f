import { CompiledQuery } from 'kysely';
import type { Tx } from '../modules/context.ts';

/** PostgreSQL types of the columns we bulk-insert. */
export type ColumnType = 'text' | 'int' | 'bigint' | 'numeric' | 'boolean' | 'date' | 'timestamptz' | 'json' | 'jsonb';

type Columns = Record<string, ColumnType>;

/**
 * Set-based insert of many rows with ONE parameter: the rows as a JSON array, expanded by
 * `json_to_recordset`. Measured cheaper than multi-row VALUES (one parameter per cell,
 * capped at 65,535) and than unnest (one array per column, which the driver escapes element
 * by element): V8 serializes JSON natively and PostgreSQL parses it once
 * (docs/PERFORMANCE.md). `json` columns take nested values, so payloads are not encoded twice.
 */
export async function insertRows<R extends object>(tx: Tx, table: string, columns: Record<keyof R & string, ColumnType>, rows: R[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.executeQuery(CompiledQuery.raw(insertText(table, columns), [JSON.stringify(rows)]));
}

/**
 * The same insert for rows with an `id` whose key may already be taken (client-chosen ids):
 * rows that conflict, also with a concurrent insert, are skipped; returns the ids inserted.
 */
export async function insertNewRows<R extends { id: string }>(tx: Tx, table: string, columns: Record<keyof R & string, ColumnType>, rows: R[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const text = `${insertText(table, columns)} on conflict do nothing returning id`;
  const result = await tx.executeQuery<{ id: string }>(CompiledQuery.raw(text, [JSON.stringify(rows)]));
  return new Set(result.rows.map((r) => r.id));
}

/**
 * Statement texts by column set and table. Composing one through Kysely's `sql` for the
 * invoice and line tables took 0.35 ms of every bulk call (docs/PERFORMANCE.md); the text
 * depends only on these constants, so it is built once.
 */
const texts = new WeakMap<Columns, Map<string, string>>();

function insertText(table: string, columns: Columns): string {
  const byTable = texts.get(columns) ?? new Map<string, string>();
  const known = byTable.get(table);
  if (known !== undefined) return known;
  const text = composeInsert(table, columns);
  byTable.set(table, text);
  texts.set(columns, byTable);
  return text;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function composeInsert(table: string, columns: Columns): string {
  const names = Object.keys(columns);
  const list = names.map(quote).join(', ');
  const definition = names.map((n) => `${quote(n)} ${columns[n]}`).join(', ');
  return `insert into ${quote(table)} (${list}) select ${list} from json_to_recordset($1::json) as r(${definition})`;
}
