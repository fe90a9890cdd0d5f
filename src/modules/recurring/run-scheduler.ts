import { setImmediate } from 'node:timers/promises';
import { holdLease, type Job } from '../../jobs/queue.ts';
import type { WorkerContext } from '../../jobs/runner.ts';
import { getBusiness } from '../businesses/create-business.ts';
import type { Context } from '../context.ts';
import { generateChunk, SCHEDULER } from './generate.ts';
import { nextWork } from './repository.ts';
import { dueMoment, RUN_KEY, scheduleRun } from './runs.ts';

/** Extra jobs that join a business's run when one day has more than a chunk of templates. */
const HELPERS = 3;
/** Templates held by another worker right now are looked at again this much later. */
const BUSY_RETRY_MS = 2_000;

/** The business's next run: the earliest date not yet made (at its midnight), or the earliest retry. */
async function scheduleNextRun(w: WorkerContext, businessId: string, timeZone: string): Promise<void> {
  const next = await nextWork(w.db, businessId);
  const moments = [next.date ? dueMoment(next.date, timeZone).getTime() : Number.NaN, next.retryAt ? Date.parse(next.retryAt) : Number.NaN].filter((m) => !Number.isNaN(m));
  if (moments.length === 0) return;
  const now = w.clock();
  const runAt = Math.max(Math.min(...moments), now.getTime() + BUSY_RETRY_MS);
  await scheduleRun(w.db, businessId, new Date(runAt), RUN_KEY, now);
}

/**
 * A job of the recurring queue (docs/recurring.md): makes every due invoice of one business,
 * chunk by chunk, each chunk one transaction that also renews this job's lease. A first full
 * chunk asks helper jobs in, so other workers share a big day (they claim disjoint templates
 * with SKIP LOCKED). At the end it schedules the business's next run.
 */
export async function runScheduler(job: Job, w: WorkerContext): Promise<undefined> {
  const business = await getBusiness(w.db, job.business_id);
  const ctx: Context = { db: w.db, businessId: business.id, principal: SCHEDULER, clock: w.clock, baseUrl: w.config.publicUrl };
  const limits = { chunk: w.config.recurringChunkTemplates, maxLineItems: w.config.maxLineItems };
  let helped = job.key !== RUN_KEY;
  let made = 0;
  for (;;) {
    // Shutting down: what committed is checkpointed; the runner hands the job back.
    if (w.signal.aborted) throw new Error('worker stopping');
    const handled = await w.db.transaction().execute(async (tx) => {
      await holdLease(tx, job, w);
      return generateChunk(tx, ctx, business, limits);
    });
    if (handled === 0) break;
    made += handled;
    // PGlite answers in microtasks: without a turn of the event loop between chunks, a big
    // day would keep the HTTP requests of this process (and its one session) waiting.
    await setImmediate();
    if (!helped && handled === limits.chunk) {
      for (let i = 1; i <= HELPERS; i++) await scheduleRun(w.db, business.id, w.clock(), `helper-${i}`, w.clock());
      helped = true;
    }
  }
  await scheduleNextRun(w, business.id, business.time_zone);
  if (made > 0) w.log.info({ business_id: business.id, job: job.key, templates: made }, 'recurring invoices made');
  return undefined;
}
