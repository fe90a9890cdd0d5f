import { loadConfig } from '../../src/config.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The databases the bulk benchmark runs against, each fresh for every run. */
export interface Target {
  name: 'postgresql' | 'pglite';
  /** DATABASE_URL for the server (undefined → PGlite on disk under dataDir). */
  databaseUrl: string | undefined;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** BENCH_DATABASE lets parallel benchmark runs each use a database of their own. */
export const BENCH_DATABASE = process.env.BENCH_DATABASE || 'billow_bench';

/** Temporary directories still in use: removed on Ctrl-C as well as at the end of a run. */
const liveDirs = new Set<string>();
let handlersInstalled = false;

function tempDir(prefix: string): { dir: string; cleanup: () => Promise<void> } {
  if (!handlersInstalled) {
    handlersInstalled = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true });
        process.exit(130);
      });
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  liveDirs.add(dir);
  return {
    dir,
    cleanup: async () => {
      fs.rmSync(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    },
  };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** True when a PostgreSQL server answers at `url` within two seconds. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres'), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A dedicated database (`billow_bench`, created through the `postgres` database when
 * missing) whose public schema is dropped and recreated: it never touches the test database.
 */
export async function postgresTarget(url: string): Promise<Target> {
  const admin = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [BENCH_DATABASE]);
    if (exists.rowCount === 0) await admin.query(`create database ${BENCH_DATABASE}`);
  } finally {
    await admin.end();
  }
  const benchUrl = withDatabase(url, BENCH_DATABASE);
  const client = new pg.Client({ connectionString: benchUrl });
  await client.connect();
  try {
    await client.query('drop schema if exists public cascade; create schema public;');
  } finally {
    await client.end();
  }
  const { dir, cleanup } = tempDir('billow-bench-pg-');
  return { name: 'postgresql', databaseUrl: benchUrl, dataDir: dir, cleanup };
}

/** PGlite on disk in a temporary BILLOW_DATA_DIR, as `npm start` runs it (fsync on). */
export async function pgliteTarget(): Promise<Target> {
  const { dir, cleanup } = tempDir('billow-bench-pglite-');
  return { name: 'pglite', databaseUrl: undefined, dataDir: dir, cleanup };
}

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

/** The real server's configuration for a bench target: no rate limit, no demo, loopback; `extra` adds variables. */
export function benchServerConfig(target: Target, extra: Record<string, string> = {}) {
  return loadConfig({
    ...extra,
    RATE_LIMIT_PER_MINUTE: '0',
    BILLOW_SEED_DEMO: 'false',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    BILLOW_ADMIN_TOKEN: ADMIN_TOKEN,
    BILLOW_DATA_DIR: target.dataDir,
    DATABASE_URL: target.databaseUrl,
  });
}

/** The named databases this run can use: PostgreSQL is left out, with a note, when it does not answer. */
export async function reachableDatabases<N extends string>(names: readonly N[], pgUrl: string): Promise<N[]> {
  if (!names.includes('postgresql' as N) || (await postgresAnswers(pgUrl))) return [...names];
  process.stderr.write(`[bench] PostgreSQL at ${pgUrl} does not answer; skipping it.\n`);
  return names.filter((name) => name !== 'postgresql');
}

/** Runs `work` on a fresh target for the named database, and cleans the target up after. */
export async function withTarget<T>(name: string, pgUrl: string, work: (target: Target) => Promise<T>): Promise<T> {
  const target = name === 'postgresql' ? await postgresTarget(pgUrl) : await pgliteTarget();
  try {
    return await work(target);
  } finally {
    await target.cleanup();
  }
}
