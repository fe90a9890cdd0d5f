import { sql } from 'kysely';
import type { Db } from '../context.ts';

export interface QueueLag {
  queue: string;
  /** Jobs due and not claimed by a worker. */
  waiting: number;
  /** How long the oldest of them has been due, in seconds (0 when none waits). */
  lagSeconds: number;
}

/**
 * Per queue, what the workers have not picked up yet. Webhook deliveries and imports are jobs,
 * so this is the outbox's delivery lag and the import backlog. Across every business on purpose:
 * it is the operator's view of the process, like the workers' own claim query.
 */
export async function queueLag(db: Db, now: Date): Promise<QueueLag[]> {
  const result = await sql<{ queue: string; waiting: number | string; oldest: Date | string | null }>`
    select queue, count(*) as waiting, min(run_at) as oldest
    from jobs
    where locked_by is null and failed_at is null and run_at <= ${now}
    group by queue`.execute(db);
  return result.rows.map((row) => ({
    queue: row.queue,
    waiting: Number(row.waiting),
    lagSeconds: row.oldest === null ? 0 : Math.max(0, (now.getTime() - new Date(row.oldest).getTime()) / 1000),
  }));
}
