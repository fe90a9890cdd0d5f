import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Db } from '../modules/context.ts';
import { claimJobs, completeJob, failJob, type Job, type Lease, releaseJob, renewLease } from './queue.ts';

export interface WorkerLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a handler gets besides its job. `clock` is injectable, so tests can move time. */
export interface WorkerContext extends Lease {
  db: Db;
  config: Config;
  /** Aborted when the process shuts down: checkpoint, then throw (the job is released, not failed). */
  signal: AbortSignal;
  log: WorkerLog;
}

export interface JobHandler {
  queue: string;
  /** Jobs of this queue that one process runs at once (default 1). */
  concurrency?: number;
  /** Attempts before the job is marked failed and onFailed runs (default 8). */
  maxAttempts?: number;
  /** Delay before retry `attempt` (1-based); default 5 s doubling to at most 1 h, ±20 % jitter. */
  backoffMs?: (attempt: number) => number;
  /**
   * Does the work. Returns nothing when the job is complete (it is deleted), or `{ retryAt }`
   * to run again later without counting a failure. A throw counts a failed attempt.
   */
  handle(job: Job, ctx: WorkerContext): Promise<undefined | { retryAt: Date }>;
  onFailed?(job: Job, error: unknown, ctx: WorkerContext): Promise<void>;
}

export interface Workers {
  /** Finishes or releases running jobs (their handlers see ctx.signal abort), then returns. */
  stop(): Promise<void>;
  running(): boolean;
  /** Look for due jobs now (tests that move the clock; new work in this process). */
  wake(): void;
}

export interface WorkerOptions {
  database: Database;
  config: Config;
  handlers: JobHandler[];
  log: WorkerLog;
  clock?: () => Date;
  /** How often to look for due jobs without a notification (default: 2 s on PostgreSQL, 0.25 s on PGlite). */
  pollMs?: number;
}

const DEFAULT_MAX_ATTEMPTS = 8;

export function defaultBackoff(attempt: number): number {
  const base = Math.min(5_000 * 2 ** (attempt - 1), 3_600_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 2000);

/** One loop per queue: claim what is due up to the handler's concurrency, run it, repeat. */
class QueueLoop {
  private readonly active = new Set<Promise<void>>();
  private readonly aborter = new AbortController();
  private wakeUp: (() => void) | undefined;
  private stopped = false;
  readonly done: Promise<void>;

  constructor(
    private readonly handler: JobHandler,
    private readonly ctx: Omit<WorkerContext, 'signal'>,
    private readonly pollMs: number,
  ) {
    this.done = this.loop();
  }

  private get context(): WorkerContext {
    return { ...this.ctx, signal: this.aborter.signal };
  }

  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.aborter.abort();
    this.wake();
    await this.done;
    await Promise.allSettled([...this.active]);
  }

  private async loop(): Promise<void> {
    const capacity = this.handler.concurrency ?? 1;
    while (!this.stopped) {
      const free = capacity - this.active.size;
      const jobs = free > 0 ? await this.claim(free) : [];
      for (const job of jobs) this.track(this.run(job));
      if (jobs.length === 0 || jobs.length < free) await this.idle();
      else if (this.active.size >= capacity) await Promise.race(this.active);
    }
  }

  private async claim(limit: number): Promise<Job[]> {
    try {
      return await claimJobs(this.ctx.db, this.handler.queue, limit, this.ctx);
    } catch (error) {
      if (!this.stopped) this.ctx.log.warn({ err: error, queue: this.handler.queue }, 'claiming jobs failed');
      return [];
    }
  }

  /** Sleeps until woken, a job finishes, or the poll interval passes. */
  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, this.pollMs);
      timer.unref();
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      // A finishing job calls wake() too (track), which frees capacity for the next claim.
      this.wakeUp = finish;
    });
  }

  private track(promise: Promise<void>): void {
    this.active.add(promise);
    void promise.finally(() => {
      this.active.delete(promise);
      this.wake();
    });
  }

  private async run(job: Job): Promise<void> {
    const ctx = this.context;
    const heartbeat = setInterval(() => {
      renewLease(ctx.db, job, ctx).catch(() => undefined);
    }, Math.max(250, Math.floor(ctx.leaseMs / 3)));
    heartbeat.unref();
    try {
      const outcome = await this.handler.handle(job, ctx);
      if (outcome) await releaseJob(ctx.db, job, ctx, outcome.retryAt, null, false);
      else await completeJob(ctx.db, job, ctx);
    } catch (error) {
      await this.settleFailure(job, error, ctx).catch((e: unknown) => ctx.log.error({ err: e, job: job.id }, 'recording a job failure failed'));
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async settleFailure(job: Job, error: unknown, ctx: WorkerContext): Promise<void> {
    if (ctx.signal.aborted) {
      // Shutting down: hand the job back at once, without counting the interrupted attempt.
      await releaseJob(ctx.db, job, ctx, ctx.clock(), null, false);
      return;
    }
    const max = this.handler.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    ctx.log.warn({ err: error, queue: job.queue, job: job.id, attempt: job.attempts }, 'job attempt failed');
    if (job.attempts >= max) {
      await failJob(ctx.db, job, ctx, describe(error));
      await this.handler.onFailed?.(job, error, ctx);
      return;
    }
    const delay = (this.handler.backoffMs ?? defaultBackoff)(job.attempts);
    await releaseJob(ctx.db, job, ctx, new Date(ctx.clock().getTime() + delay), describe(error));
  }
}

const PROBE_MS = 10_000;

/**
 * Sends NOTIFYs through the pool until the LISTEN connection hears one. Behind a transaction
 * pooler (PgBouncer in transaction mode) without DATABASE_DIRECT_URL none ever arrives: say
 * so loudly, since every job then waits for the poll.
 */
async function probeNotifications(database: Database, probe: string, done: () => boolean, log: WorkerLog, pollMs: number): Promise<void> {
  const deadline = Date.now() + PROBE_MS;
  while (!done() && Date.now() < deadline) {
    await sql`select pg_notify('billow_jobs', ${probe})`.execute(database.db).catch(() => undefined);
    await sleep(500);
  }
  if (done()) return;
  log.error(
    { probe_ms: PROBE_MS, poll_ms: pollMs },
    'NOTIFY does not reach this process: DATABASE_URL probably goes through a transaction pooler (PgBouncer pool_mode=transaction). Set DATABASE_DIRECT_URL to PostgreSQL itself for LISTEN; until then every background job waits for the poll.',
  );
}

/**
 * Starts one loop per handler in this process. On PostgreSQL a LISTEN on `billow_jobs` wakes
 * the loops the moment a job commits; polling covers delayed jobs, expired leases and PGlite.
 */
export async function startWorkers(options: WorkerOptions): Promise<Workers> {
  const { database, config } = options;
  const pollMs = options.pollMs ?? (database.kind === 'postgres' ? 2_000 : 250);
  const base = {
    db: database.db,
    config,
    log: options.log,
    clock: options.clock ?? (() => new Date()),
    workerId: `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    leaseMs: config.jobLeaseSeconds * 1000,
  };
  const loops = options.handlers.map((handler) => new QueueLoop(handler, base, pollMs));
  const wake = () => {
    for (const loop of loops) loop.wake();
  };
  const probe = `probe:${randomBytes(6).toString('hex')}`;
  let heard = false;
  const onNotify = (payload: string) => {
    if (payload === probe) heard = true;
    wake();
  };
  const unlisten = await database.listen('billow_jobs', onNotify).catch((error: unknown) => {
    options.log.warn({ err: error }, 'LISTEN failed; workers poll instead');
    return undefined;
  });
  let running = true;
  if (unlisten) void probeNotifications(database, probe, () => heard || !running, options.log, pollMs);
  return {
    wake,
    running: () => running,
    stop: async () => {
      running = false;
      await unlisten?.();
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}
