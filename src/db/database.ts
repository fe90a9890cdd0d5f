import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { lockDataDir } from './data-lock.ts';
import { PGliteDialect } from './pglite-dialect.ts';
import type { DB } from './schema.ts';
import { TYPE_PARSERS } from './type-parsers.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  kind: DatabaseKind;
  /** Runs a multi-statement SQL script (simple protocol), e.g. a migration. */
  exec(script: string): Promise<void>;
  /**
   * Calls `onNotify` for each NOTIFY on `channel` (PostgreSQL, on a dedicated connection);
   * resolves to the function that stops listening. PGlite resolves to undefined: its callers poll.
   */
  listen(channel: string, onNotify: () => void): Promise<(() => Promise<void>) | undefined>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** undefined → PGlite in dataDir/db; 'memory://' → in-memory PGlite; postgres://… → pg pool. */
  url: string | undefined;
  dataDir: string;
  poolSize?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url?.startsWith('postgres')) return openPostgres(options.url, options.poolSize ?? 10);
  const dir = options.url === 'memory://' ? undefined : path.join(options.dataDir, 'db');
  return openPGlite(dir);
}

async function openPGlite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const unlock = dataDir ? lockDataDir(dataDir) : () => undefined;
  try {
    return await startPGlite(dataDir, unlock);
  } catch (error) {
    unlock();
    throw error;
  }
}

/** Starts PGlite on a directory this process holds the lock of; closing releases it. */
async function startPGlite(dataDir: string | undefined, unlock: () => void): Promise<Database> {
  // Loaded here, not at the top: a server on PostgreSQL never holds PGlite (~40 MB of RSS).
  const { PGlite } = await import('@electric-sql/pglite');
  // PGlite's default start parameters include -F (fsync off); data must survive a crash.
  // Zero-filling each new 16 MB WAL segment runs on the Node thread and stalls requests
  // (docs/PERFORMANCE.md, R5); fsync stays on, so durability is unchanged.
  const startParams = [...PGlite.defaultStartParams.filter((p) => p !== '-F'), '-c', 'wal_init_zero=off'];
  const pglite = await PGlite.create({ dataDir, startParams, parsers: TYPE_PARSERS });
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'pglite',
    exec: (script) =>
      db.connection().execute(async () => {
        try {
          await pglite.exec(script);
        } catch (error) {
          if (pglite.isInTransaction()) await pglite.exec('rollback');
          throw error;
        }
      }),
    listen: async () => undefined,
    close: async () => {
      await db.destroy();
      unlock();
    },
  };
}

async function listenPostgres(url: string, channel: string, onNotify: () => void): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url });
  // A dropped connection only costs latency: the callers poll as well.
  client.on('error', () => undefined);
  await client.connect();
  client.on('notification', (message) => {
    if (message.channel === channel) onNotify();
  });
  await client.query(`listen ${pg.escapeIdentifier(channel)}`);
  return () => client.end().catch(() => undefined);
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      TYPE_PARSERS[oid] ?? pg.types.getTypeParser(oid, format ?? 'text'),
  };
  const pool = new pg.Pool({ connectionString: url, max, types, options: '-c TimeZone=UTC' });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'postgres',
    exec: async (script) => {
      const client = await pool.connect();
      try {
        await client.query(script);
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    listen: (channel, onNotify) => listenPostgres(url, channel, onNotify),
    close: () => db.destroy(),
  };
}
