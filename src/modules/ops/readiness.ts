import { sql } from 'kysely';
import { pendingMigrations } from '../../db/migrate.ts';
import type { Db } from '../context.ts';

/** The background workers of a process, as readiness sees them: false before they start and once they stop. */
export interface WorkerStatus {
  running(): boolean;
}

type CheckResult = 'ok' | 'failed';

export interface Readiness {
  ready: boolean;
  checks: { database: CheckResult; migrations: CheckResult; workers: CheckResult | 'none' };
  pending_migrations: string[];
}

/** `work`'s result, or `fallback` once `ms` have passed (the work goes on, unawaited). */
function within<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The migrations not applied yet, or undefined when the database does not answer. */
async function pendingOrUnreachable(db: Db): Promise<string[] | undefined> {
  try {
    await sql`select 1`.execute(db);
    return await pendingMigrations(db).catch(() => ['(schema_migrations unreadable)']);
  } catch {
    return undefined;
  }
}

/**
 * Ready to serve: the database answers within `boundMs` (a pool exhausted by stalled requests
 * counts as not answering), every migration file is applied, and the workers (if any) run.
 */
export async function checkReadiness(db: Db, workers: WorkerStatus | undefined, boundMs: number): Promise<Readiness> {
  const found = await within(pendingOrUnreachable(db), boundMs, undefined);
  const database = found !== undefined;
  const pending = found ?? [];
  const checks = {
    database: database ? 'ok' : 'failed',
    migrations: database && pending.length === 0 ? 'ok' : 'failed',
    workers: workers === undefined ? 'none' : workers.running() ? 'ok' : 'failed',
  } as const;
  const ready = Object.values(checks).every((c) => c !== 'failed');
  return { ready, checks, pending_migrations: pending };
}
