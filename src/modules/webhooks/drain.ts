import { randomUUID } from 'node:crypto';
import { attemptOutcome } from '../../domain/webhook-retry.ts';
import { holdLease, type Job } from '../../jobs/queue.ts';
import type { WorkerContext } from '../../jobs/runner.ts';
import type { Db, Tx } from '../context.ts';
import { eventId } from '../events/outbox.ts';
import { type AttemptRecord, type DueDelivery, fanOut, freshDeliveries, pendingDeliveries, type QueuedBatch, queuedBatches, recordAttempts, recordFresh } from './deliveries.ts';
import { type EndpointRow, openSigningSecrets } from './endpoints.ts';
import { keysOf } from '../secrets/keys.ts';
import { signerFor } from './signing.ts';
import { postWebhook } from './target.ts';

const BATCHES_PER_FANOUT = 100;
const DELIVERIES_PER_ROUND = 200;
const TIMEOUT_MS = 15_000;

/**
 * The endpoint's drain lease: only its holder (one run of one job) sends, so an endpoint gets
 * one request at a time, in event order, whichever worker runs its job (a second job with the
 * same key can be claimed while the first still runs). An expired lease (a killed worker) can
 * be taken over. It measures liveness, so it runs on wall-clock time, not on ctx.clock (which
 * schedules retries and which tests move by hours).
 */
const leaseUntil = (ctx: WorkerContext) => new Date(Date.now() + ctx.leaseMs).toISOString();

async function takeDrain(db: Db, job: Job, holder: string, ctx: WorkerContext): Promise<'held' | 'busy' | 'gone'> {
  const now = new Date();
  const until = leaseUntil(ctx);
  const row = await db
    .updateTable('webhook_endpoints')
    .set({ drain_by: holder, drain_until: until })
    .where('business_id', '=', job.business_id)
    .where('id', '=', job.payload.endpoint_id)
    .where('disabled', '=', false)
    .where((eb) => eb.or([eb('drain_by', 'is', null), eb('drain_by', '=', holder), eb('drain_until', '<', now.toISOString())]))
    .returning('id')
    .executeTakeFirst();
  if (row) return 'held';
  const exists = await db
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('business_id', '=', job.business_id)
    .where('id', '=', job.payload.endpoint_id)
    .where('disabled', '=', false)
    .executeTakeFirst();
  return exists ? 'busy' : 'gone';
}

async function releaseDrain(db: Db, job: Job, holder: string): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({ drain_by: null, drain_until: null })
    .where('business_id', '=', job.business_id)
    .where('id', '=', job.payload.endpoint_id)
    .where('drain_by', '=', holder)
    .execute();
}

/** In one transaction: this worker still holds the job and the endpoint (else LeaseLost / rollback). */
async function underLeases<T>(ctx: WorkerContext, job: Job, holder: string, work: (tx: Tx, endpoint: EndpointRow) => Promise<T>): Promise<T> {
  return ctx.db.transaction().execute(async (tx) => {
    await holdLease(tx, job, ctx);
    const endpoint = await renewDrain(tx, job, holder, ctx);
    if (!endpoint) throw new Error(`drain lease on endpoint ${job.payload.endpoint_id} was lost`);
    return work(tx, endpoint);
  });
}

/** Extends the drain lease; returns the endpoint as it is now (its URL or events may have changed). */
function renewDrain(db: Db | Tx, job: Job, holder: string, ctx: WorkerContext): Promise<EndpointRow | undefined> {
  return db
    .updateTable('webhook_endpoints')
    .set({ drain_until: leaseUntil(ctx) })
    .where('business_id', '=', job.business_id)
    .where('id', '=', job.payload.endpoint_id)
    .where('drain_by', '=', holder)
    .returningAll()
    .executeTakeFirst();
}

/** Keeps the drain lease alive while a round of slow receivers runs; `lost` stops the sending. */
function heartbeat(job: Job, holder: string, ctx: WorkerContext): { lost: () => boolean; stop: () => void } {
  let lost = false;
  const timer = setInterval(() => {
    renewDrain(ctx.db, job, holder, ctx).then(
      (held) => {
        lost ||= held === undefined;
      },
      () => undefined,
    );
  }, Math.max(250, Math.floor(ctx.leaseMs / 3)));
  timer.unref();
  return { lost: () => lost, stop: () => clearInterval(timer) };
}

const body = (endpoint: EndpointRow, d: DueDelivery, id: string) =>
  `{"id":${JSON.stringify(id)},"type":${JSON.stringify(d.event_type)},"created_at":${JSON.stringify(d.event_created_at)},"business_id":${JSON.stringify(endpoint.business_id)},"data":${d.data}}`;

interface Round {
  records: AttemptRecord[];
  disable: string | null;
  failed: boolean;
}

/**
 * Sends due deliveries one after another, in event order, and stops at the first failure:
 * a later event never overtakes an earlier one that is waiting for its retry.
 */
async function sendRound(endpoint: EndpointRow, due: DueDelivery[], ctx: WorkerContext, lost: () => boolean): Promise<Round> {
  const round: Round = { records: [], disable: null, failed: false };
  const signer = signerFor(openSigningSecrets(keysOf(ctx.config), endpoint), ctx.clock());
  const failingSince = endpoint.failing_since ? new Date(endpoint.failing_since) : null;
  for (const d of due) {
    const now = ctx.clock();
    if (ctx.signal.aborted || lost() || Date.parse(d.next_attempt_at) > now.getTime()) break;
    const id = eventId(d.batch_id, d.seq);
    const text = body(endpoint, d, id);
    // The signature's timestamp is wall-clock time: receivers compare it with their own clock.
    const headers = signer.headers(id, text, new Date());
    const result = await postWebhook(endpoint.url, headers, text, { allowPrivate: ctx.config.webhookAllowPrivate, timeoutMs: TIMEOUT_MS });
    const outcome = attemptOutcome({
      statusCode: result.status,
      retryAfterMs: result.retryAfterMs,
      attempts: d.attempts + 1,
      schedule: ctx.config.webhookRetrySchedule,
      now: ctx.clock(),
      failingSince: failingSince ?? now,
    });
    round.records.push({
      id: d.id,
      status: outcome.status,
      code: result.status,
      error: result.error,
      excerpt: result.excerpt,
      next: outcome.nextAt?.toISOString() ?? null,
    });
    if (outcome.status !== 'delivered') {
      round.failed = true;
      round.disable = outcome.disable;
      break;
    }
  }
  return round;
}

/** The endpoint's failing-since mark (and, after a 410 or 5 days of failures, its disabling). */
async function recordEndpointState(tx: Tx, endpoint: EndpointRow, round: Round, now: Date): Promise<void> {
  if (round.records.length === 0) return;
  const failingSince = round.failed ? (endpoint.failing_since ?? now.toISOString()) : null;
  if (failingSince === endpoint.failing_since && !round.disable) return;
  endpoint.failing_since = failingSince;
  await tx
    .updateTable('webhook_endpoints')
    .set({
      failing_since: failingSince,
      ...(round.disable ? { disabled: true, disabled_reason: round.disable, updated_at: now.toISOString() } : {}),
    })
    .where('business_id', '=', endpoint.business_id)
    .where('id', '=', endpoint.id)
    .execute();
}

/** What one round sends: waiting deliveries (retries) first, else the oldest queued batches. */
type Work = { kind: 'retries'; due: DueDelivery[] } | { kind: 'fresh'; batches: QueuedBatch[]; due: DueDelivery[] } | { kind: 'wait'; retryAt: Date } | { kind: 'idle' };

/**
 * While deliveries wait for a retry, newer events queue up behind them as pending rows and
 * nothing overtakes them. Otherwise queued batches are sent straight from the outbox and
 * written once, after sending (recordFresh): the common case costs one insert per event.
 */
async function nextWork(job: Job, ctx: WorkerContext, holder: string, endpoint: EndpointRow): Promise<Work> {
  let due = await pendingDeliveries(ctx.db, endpoint, DELIVERIES_PER_ROUND);
  if (due.length === 0) {
    const batches = await queuedBatches(ctx.db, endpoint, DELIVERIES_PER_ROUND);
    if (batches.length === 0) return { kind: 'idle' };
    return { kind: 'fresh', batches, due: freshDeliveries(endpoint, batches, ctx.clock()) };
  }
  const moved = await underLeases(ctx, job, holder, (tx, current) => fanOut(tx, current, ctx.clock(), BATCHES_PER_FANOUT));
  if (moved > 0 && due.length < DELIVERIES_PER_ROUND) due = await pendingDeliveries(ctx.db, endpoint, DELIVERIES_PER_ROUND);
  const head = due[0] as DueDelivery;
  if (Date.parse(head.next_attempt_at) > ctx.clock().getTime()) return { kind: 'wait', retryAt: new Date(head.next_attempt_at) };
  return { kind: 'retries', due };
}

/**
 * The per-endpoint job: send due deliveries in event order, recording each round under the
 * job's and the endpoint's leases. Returns when nothing is due (with the time of the next
 * retry, if one waits).
 */
async function drainEndpoint(job: Job, ctx: WorkerContext, holder: string, lost: () => boolean): Promise<{ retryAt: Date } | undefined> {
  let endpoint = await underLeases(ctx, job, holder, async (_tx, current) => current);
  while (!ctx.signal.aborted) {
    // Disabled meanwhile (by the API): stop; re-enabling wakes the endpoint again.
    if (endpoint.disabled) return undefined;
    const work = await nextWork(job, ctx, holder, endpoint);
    if (work.kind === 'idle') return undefined;
    if (work.kind === 'wait') return { retryAt: work.retryAt };
    const round = await sendRound(endpoint, work.due, ctx, lost);
    endpoint = await underLeases(ctx, job, holder, async (tx, current) => {
      const now = ctx.clock();
      if (work.kind === 'fresh') await recordFresh(tx, current, work.batches, work.due, round.records, now);
      else await recordAttempts(tx, current.business_id, round.records, now);
      await recordEndpointState(tx, current, round, now);
      return current;
    });
    if (round.disable) return undefined;
  }
  return { retryAt: ctx.clock() };
}

async function hasQueued(db: Db, job: Job): Promise<boolean> {
  const row = await db
    .selectFrom('webhook_queue')
    .select('batch_id')
    .where('business_id', '=', job.business_id)
    .where('endpoint_id', '=', job.payload.endpoint_id)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * A job that finds its endpoint busy ends at once: the holder checks the endpoint's queue
 * again after letting go of it, so batches queued meanwhile (what this job was enqueued for)
 * are drained by the holder's next run, and no job spins waiting for the lease.
 */
export async function runDrainJob(job: Job, ctx: WorkerContext): Promise<{ retryAt: Date } | undefined> {
  const holder = `${ctx.workerId}/${randomUUID()}`;
  if ((await takeDrain(ctx.db, job, holder, ctx)) !== 'held') return undefined;
  const beat = heartbeat(job, holder, ctx);
  let outcome: { retryAt: Date } | undefined;
  try {
    outcome = await drainEndpoint(job, ctx, holder, beat.lost);
  } finally {
    beat.stop();
    await releaseDrain(ctx.db, job, holder);
  }
  if (!ctx.signal.aborted && (await hasQueued(ctx.db, job))) return { retryAt: ctx.clock() };
  return outcome;
}
