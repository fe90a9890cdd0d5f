import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';
import type { Database } from './database.ts';
import type { DB } from './schema.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
// Any constant works; it only has to be the same in every Billow process.
const MIGRATION_LOCK = 727_431_001;

export interface Migration {
  name: string;
  script: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, script: fs.readFileSync(`${dir}/${name}`, 'utf8') }));
}

/**
 * Applies pending plain-SQL migrations in name order, each in one transaction with its
 * bookkeeping row. The transaction first takes an advisory lock and records the name, so
 * when several processes start at once the losers wait, fail on the primary key and skip.
 * Returns the names this call applied.
 */
export async function migrate(database: Database): Promise<string[]> {
  await database.exec(
    'create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())',
  );
  const applied: string[] = [];
  for (const migration of listMigrations()) {
    if (await isApplied(database, migration.name)) continue;
    const name = migration.name.replace(/'/g, "''");
    // No statement or lock timeout: a migration may rewrite a large table, and start-up waits for it.
    const script = `begin;\nset local statement_timeout = 0;\nset local lock_timeout = 0;\nselect pg_advisory_xact_lock(${MIGRATION_LOCK});\ninsert into schema_migrations (name) values ('${name}');\n${migration.script}\n;\ncommit;`;
    try {
      await database.exec(script);
      applied.push(migration.name);
    } catch (error) {
      if (!(await isApplied(database, migration.name))) throw error;
    }
  }
  return applied;
}

async function isApplied(database: Database, name: string): Promise<boolean> {
  const result = await sql<{ name: string }>`select name from schema_migrations where name = ${name}`.execute(database.db);
  return result.rows.length > 0;
}

/** Names of the migration files not yet recorded as applied (empty when the schema is current). */
export async function pendingMigrations(db: Kysely<DB>): Promise<string[]> {
  const result = await sql<{ name: string }>`select name from schema_migrations`.execute(db);
  const applied = new Set(result.rows.map((row) => row.name));
  return listMigrations()
    .map((migration) => migration.name)
    .filter((name) => !applied.has(name));
}
