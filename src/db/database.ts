import fs from 'node:fs';
import path from 'node:path';
import { Kysely } from 'kysely';
import { DEFAULT_TIMEOUTS, type DatabaseTimeouts } from '../config.ts';
import { lockDataDir } from './data-lock.ts';
import { PGliteDialect } from './pglite-dialect.ts';
import { openPostgres } from './postgres.ts';
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
  listen(channel: string, onNotify: (payload: string) => void): Promise<(() => Promise<void>) | undefined>;
  close(): Promise<void>;
}

export interface DatabaseLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** One JSON line per record on stderr, for processes without a logger of their own (`billow worker`, the CLI). */
export const stderrLog: DatabaseLog = {
  info: (obj, msg) => writeLine('info', obj, msg),
  warn: (obj, msg) => writeLine('warn', obj, msg),
  error: (obj, msg) => writeLine('error', obj, msg),
};

function writeLine(level: string, obj: object, msg?: string): void {
  const err = (obj as { err?: unknown }).err;
  const record = { level, time: new Date().toISOString(), msg, ...obj, ...(err instanceof Error ? { err: err.message } : {}) };
  process.stderr.write(`${JSON.stringify(record)}\n`);
}

export interface DatabaseOptions {
  /** undefined → PGlite in dataDir/db; 'memory://' → in-memory PGlite; postgres://… → pg pool. */
  url: string | undefined;
  /** PostgreSQL itself, for LISTEN, when `url` goes through a transaction pooler (default: url). */
  directUrl?: string | undefined;
  dataDir: string;
  poolSize?: number;
  timeouts?: DatabaseTimeouts;
  log?: DatabaseLog;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url?.startsWith('postgres')) {
    return openPostgres({
      url: options.url,
      directUrl: options.directUrl ?? options.url,
      poolSize: options.poolSize ?? 10,
      timeouts: options.timeouts ?? DEFAULT_TIMEOUTS,
      log: options.log ?? stderrLog,
    });
  }
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
