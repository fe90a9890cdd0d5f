import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { isDatabaseUnavailable } from '../modules/db-errors.ts';
import type { Database, DatabaseLog } from './database.ts';
import { migrate } from './migrate.ts';

const backoffMs = (attempt: number) => Math.min(250 * 2 ** attempt, 5_000);

/**
 * Start-up against a database that may not be up yet (a restart, a container started first):
 * waits until it answers and the migrations are applied, retrying with backoff for up to
 * `timeoutSeconds` (0 = forever). Errors that are not about reaching the database (a broken
 * migration) end start-up at once. Returns the migrations applied.
 */
export async function prepareDatabase(database: Database, timeoutSeconds: number, log: DatabaseLog): Promise<string[]> {
  const deadline = timeoutSeconds === 0 ? Number.POSITIVE_INFINITY : Date.now() + timeoutSeconds * 1000;
  for (let attempt = 0; ; attempt++) {
    try {
      await sql`select 1`.execute(database.db);
      return await migrate(database);
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + backoffMs(attempt) > deadline) throw error;
      if (attempt % 10 === 0) log.warn({ err: error, attempt: attempt + 1 }, 'database unreachable; retrying with backoff');
      await sleep(backoffMs(attempt));
    }
  }
}
