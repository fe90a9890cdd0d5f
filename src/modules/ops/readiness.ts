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

async function databaseAnswers(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/** Ready to serve: the database answers, every migration file is applied, and the workers (if any) run. */
export async function checkReadiness(db: Db, workers: WorkerStatus | undefined): Promise<Readiness> {
  const database = await databaseAnswers(db);
  const pending = database ? await pendingMigrations(db).catch(() => ['(schema_migrations unreadable)']) : [];
  const checks = {
    database: database ? 'ok' : 'failed',
    migrations: database && pending.length === 0 ? 'ok' : 'failed',
    workers: workers === undefined ? 'none' : workers.running() ? 'ok' : 'failed',
  } as const;
  const ready = Object.values(checks).every((c) => c !== 'failed');
  return { ready, checks, pending_migrations: pending };
}
