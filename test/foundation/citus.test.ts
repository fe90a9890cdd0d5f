import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testApp } from '../helpers/app.ts';

/**
 * SPEC §1 / STYLE rule 4: the schema is Citus-ready. Every tenant table has business_id in
 * its primary key and in every foreign key to another tenant table, so business_id can be
 * the distribution column. Only these tables are global (Citus reference tables).
 */
const GLOBAL_TABLES = new Set(['businesses', 'principals', 'tokens', 'schema_migrations', 'secret_key_check']);
/** Tenant tables may reference these freely (reference tables in Citus). */
const REFERENCE_TARGETS = new Set(['businesses', 'principals']);

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

interface TableRow {
  table_name: string;
}
interface PrimaryKeyRow {
  table_name: string;
  columns: string[];
}
interface ColumnRow {
  table_name: string;
  column_name: string;
  is_nullable: string;
}
interface ForeignKeyRow {
  name: string;
  table_name: string;
  referenced_table: string;
  columns: string[];
  referenced_columns: string[];
}

async function tables(): Promise<string[]> {
  const result = await sql<TableRow>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'
    order by table_name`.execute(env.database.db);
  return result.rows.map((r) => r.table_name);
}

async function primaryKeys(): Promise<Map<string, string[]>> {
  // Columns in key order (array_position over conkey keeps it).
  const result = await sql<PrimaryKeyRow>`
    select c.relname as table_name,
           array(select a.attname::text from unnest(con.conkey) with ordinality k(attnum, n)
                 join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.n) as columns
    from pg_constraint con
    join pg_class c on c.oid = con.conrelid
    join pg_namespace ns on ns.oid = c.relnamespace
    where con.contype = 'p' and ns.nspname = current_schema()`.execute(env.database.db);
  return new Map(result.rows.map((r) => [r.table_name, r.columns]));
}

async function businessIdColumns(): Promise<Map<string, ColumnRow>> {
  const result = await sql<ColumnRow>`
    select table_name, column_name, is_nullable from information_schema.columns
    where table_schema = current_schema() and column_name = 'business_id'`.execute(env.database.db);
  return new Map(result.rows.map((r) => [r.table_name, r]));
}

async function foreignKeys(): Promise<ForeignKeyRow[]> {
  const result = await sql<ForeignKeyRow>`
    select con.conname::text as name, c.relname::text as table_name, rc.relname::text as referenced_table,
           array(select a.attname::text from unnest(con.conkey) with ordinality k(attnum, n)
                 join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.n) as columns,
           array(select a.attname::text from unnest(con.confkey) with ordinality k(attnum, n)
                 join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum order by k.n) as referenced_columns
    from pg_constraint con
    join pg_class c on c.oid = con.conrelid
    join pg_class rc on rc.oid = con.confrelid
    join pg_namespace ns on ns.oid = c.relnamespace
    where con.contype = 'f' and ns.nspname = current_schema()
    order by 2, 1`.execute(env.database.db);
  return result.rows;
}

describe('Citus-ready schema', () => {
  it('reads the catalog (sanity: the known tables are there)', async () => {
    const names = await tables();
    for (const table of ['businesses', 'principals', 'tokens', 'memberships', 'customers', 'vendors', 'items', 'idempotency_keys']) {
      expect(names).toContain(table);
    }
    const keys = await primaryKeys();
    expect(keys.get('customers')).toEqual(['business_id', 'id']);
  });

  it('every tenant table has a NOT NULL business_id in its primary key', async () => {
    const names = await tables();
    const keys = await primaryKeys();
    const columns = await businessIdColumns();
    const problems: string[] = [];
    for (const table of names.filter((t) => !GLOBAL_TABLES.has(t))) {
      const column = columns.get(table);
      const key = keys.get(table);
      if (!column) problems.push(`${table}: no business_id column`);
      else if (column.is_nullable !== 'NO') problems.push(`${table}: business_id is nullable`);
      if (!key) problems.push(`${table}: no primary key`);
      else if (!key.includes('business_id')) problems.push(`${table}: primary key (${key.join(', ')}) lacks business_id`);
    }
    expect(problems).toEqual([]);
  });

  it('every foreign key between tenant tables includes business_id on both sides, matched to each other', async () => {
    const problems: string[] = [];
    for (const fk of await foreignKeys()) {
      const fromGlobal = GLOBAL_TABLES.has(fk.table_name);
      if (fromGlobal) {
        // A reference table cannot point into a distributed table.
        if (!GLOBAL_TABLES.has(fk.referenced_table)) problems.push(`${fk.name}: global ${fk.table_name} → tenant ${fk.referenced_table}`);
        continue;
      }
      if (REFERENCE_TARGETS.has(fk.referenced_table)) continue;
      if (GLOBAL_TABLES.has(fk.referenced_table)) continue;
      const at = fk.columns.indexOf('business_id');
      if (at === -1 || fk.referenced_columns[at] !== 'business_id') {
        problems.push(
          `${fk.name}: ${fk.table_name}(${fk.columns.join(', ')}) → ${fk.referenced_table}(${fk.referenced_columns.join(', ')}) does not join on business_id`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it('every unique constraint and unique index of a tenant table includes business_id', async () => {
    const result = await sql<{ table_name: string; index_name: string; columns: string[] }>`
      select c.relname::text as table_name, i.relname::text as index_name,
             array(select a.attname::text from unnest(ix.indkey) k(attnum)
                   join pg_attribute a on a.attrelid = ix.indrelid and a.attnum = k.attnum) as columns
      from pg_index ix
      join pg_class c on c.oid = ix.indrelid
      join pg_class i on i.oid = ix.indexrelid
      join pg_namespace ns on ns.oid = c.relnamespace
      where ix.indisunique and ns.nspname = current_schema()`.execute(env.database.db);
    const problems = result.rows
      .filter((r) => !GLOBAL_TABLES.has(r.table_name) && !r.columns.includes('business_id'))
      .map((r) => `${r.table_name}.${r.index_name} (${r.columns.join(', ')})`);
    expect(problems).toEqual([]);
  });
});
