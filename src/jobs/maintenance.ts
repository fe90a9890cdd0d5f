import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/database.ts';
import { purgeEvents } from '../modules/events/read.ts';
import { purgeExpired } from '../modules/idempotency/repository.ts';

const EVERY_MS = 15 * 60_000;

/**
 * Housekeeping that any number of processes may run: drop expired idempotency records and
 * events older than EVENT_RETENTION_DAYS (with their webhook deliveries).
 * It deliberately does not ANALYZE PGlite: statistics taken while tables are nearly empty
 * made the planner cache sequential scans for the foreign-key checks of the one long-lived
 * session, and bulk writes became seven times slower (measured with `npm run bench`);
 * a never-analyzed table is planned from its current size instead, which tracks growth.
 */
export interface MaintenanceOptions {
  eventRetentionDays: number;
  now?: Date;
}

export async function runMaintenance(database: Database, options: MaintenanceOptions = { eventRetentionDays: 30 }): Promise<{ purged: number; eventBatchesPurged: number }> {
  return {
    purged: await purgeExpired(database.db),
    eventBatchesPurged: await purgeEvents(database.db, options.now ?? new Date(), options.eventRetentionDays),
  };
}

/** Runs maintenance now and every 15 minutes; returns the function that stops it. */
export function scheduleMaintenance(database: Database, log: FastifyBaseLogger, options: MaintenanceOptions): () => void {
  const run = () => {
    runMaintenance(database, options).then(
      (purged) => log.debug(purged, 'maintenance done'),
      (error: unknown) => log.warn({ err: error }, 'maintenance failed'),
    );
  };
  run();
  const timer = setInterval(run, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
