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

/**
 * Webhook outbox lag: how long the oldest committed event batch still marked for some endpoint
 * has waited to be sent, and how many such marks there are (deliveries not yet made).
 */
export async function outboxLag(db: Db, now: Date): Promise<{ pending: number; lagSeconds: number }> {
  const result = await sql<{ pending: number | string; oldest: Date | string | null }>`
    select count(*) as pending, min(b.created_at) as oldest
    from webhook_queue q join event_batches b on b.business_id = q.business_id and b.id = q.batch_id`.execute(db);
  const row = result.rows[0];
  const oldest = row?.oldest ?? null;
  return {
    pending: Number(row?.pending ?? 0),
    lagSeconds: oldest === null ? 0 : Math.max(0, (now.getTime() - new Date(oldest).getTime()) / 1000),
  };
}

/** Rows per second of the imports running now: each one's rows so far over its time so far, summed. */
export async function importRowsPerSecond(db: Db, now: Date): Promise<number> {
  const result = await sql<{ rows: number; started_at: string }>`
    select checkpoint_rows as rows, started_at from imports where status = 'running' and started_at is not null`.execute(db);
  return result.rows.reduce((sum, r) => {
    const seconds = (now.getTime() - new Date(r.started_at).getTime()) / 1000;
    return seconds > 0 ? sum + r.rows / seconds : sum;
  }, 0);
}
