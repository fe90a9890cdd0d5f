import { sql } from 'kysely';
import { startOfDate } from '../../domain/dates.ts';
import { uuidv7 } from '../../ids.ts';
import type { Db, Tx } from '../context.ts';

/** The job queue of the recurring scheduler: one waiting job per business, due at its next due moment. */
export const RECURRING_QUEUE = 'recurring.generate';
/** The business's own run; helpers (`helper-N`) join it when one day has more than a chunk. */
export const RUN_KEY = 'run';

/** When a scheduled date's invoice is due to be made: that date's midnight in the business's zone. */
export const dueMoment = (date: string, timeZone: string) => startOfDate(date, timeZone);

/**
 * Makes sure the business's scheduler runs no later than `runAt`, inside the caller's
 * transaction (a template created, resumed or changed commits with its run). A waiting run
 * moves earlier, never later, so two changes can only bring it forward.
 */
export async function scheduleRun(db: Db | Tx, businessId: string, runAt: Date, key = RUN_KEY, now = new Date()): Promise<void> {
  await sql`
    insert into jobs (business_id, id, queue, key, payload, run_at, created_at)
    values (${businessId}, ${uuidv7()}, ${RECURRING_QUEUE}, ${key}, ${JSON.stringify({})}, ${runAt.toISOString()}, ${now.toISOString()})
    on conflict (business_id, queue, key) where key is not null and locked_by is null and failed_at is null
    do update set run_at = least(jobs.run_at, excluded.run_at)`.execute(db);
}
