import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/database.ts';
import { purgeExpired } from '../modules/idempotency/repository.ts';

const EVERY_MS = 15 * 60_000;

/**
 * Housekeeping that any number of processes may run: drop expired idempotency records and,
 * on PGlite (which has no autovacuum), vacuum the hot counter tables and refresh planner
 * statistics so query plans follow the data.
 */
export async function runMaintenance(database: Database): Promise<{ purged: number }> {
  const purged = await purgeExpired(database.db);
  if (database.kind === 'pglite') {
    // One statement per call: VACUUM cannot run inside the implicit block of a multi-statement query.
    await database.exec('vacuum analyze number_series, idempotency_keys');
    await database.exec('analyze');
  }
  return { purged };
}

/** Runs maintenance now and every 15 minutes; returns the function that stops it. */
export function scheduleMaintenance(database: Database, log: FastifyBaseLogger): () => void {
  const run = () => {
    runMaintenance(database).then(
      ({ purged }) => log.debug({ purged }, 'maintenance done'),
      (error: unknown) => log.warn({ err: error }, 'maintenance failed'),
    );
  };
  run();
  const timer = setInterval(run, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
