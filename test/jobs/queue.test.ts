import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimJobs, enqueueJobs, holdLease, type Job, LeaseLost } from '../../src/jobs/queue.ts';
import { type JobHandler, startWorkers, type WorkerLog, type Workers } from '../../src/jobs/runner.ts';
import { type TestEnv, testApp, testConfig } from '../helpers/app.ts';
import { createBusiness, type Tenant } from '../helpers/factories.ts';

let env: TestEnv;
let tenant: Tenant;
const running: Workers[] = [];

beforeAll(async () => {
  env = await testApp();
  tenant = await createBusiness(env.app);
});
afterAll(async () => {
  await Promise.all(running.map((w) => w.stop()));
  await env.app.close();
});

const quiet: WorkerLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const queueName = () => `test-${randomUUID()}`;

async function workers(handlers: JobHandler[], options: { leaseSeconds?: number; clock?: () => Date } = {}): Promise<Workers> {
  const config = testConfig({ jobLeaseSeconds: options.leaseSeconds ?? 30 });
  const started = await startWorkers({ database: env.database, config, handlers, log: quiet, pollMs: 50, ...(options.clock ? { clock: options.clock } : {}) });
  running.push(started);
  return started;
}

async function jobsOf(queue: string) {
  return env.database.db.selectFrom('jobs').selectAll().where('business_id', '=', tenant.id).where('queue', '=', queue).execute();
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(20);
  }
}

describe('job queue', () => {
  it('a job exists only if the transaction that enqueued it commits', async () => {
    const queue = queueName();
    await env.database.db
      .transaction()
      .execute(async (tx) => {
        await enqueueJobs(tx, [{ businessId: tenant.id, queue, payload: { n: 1 } }]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await jobsOf(queue)).toHaveLength(0);
    await env.database.db.transaction().execute((tx) => enqueueJobs(tx, [{ businessId: tenant.id, queue, payload: { n: 2 } }]));
    const rows = await jobsOf(queue);
    expect(rows.map((r) => r.payload)).toEqual([{ n: 2 }]);
  });

  it('runs each job once with its payload and removes it when done', async () => {
    const queue = queueName();
    const seen: number[] = [];
    await workers([{ queue, concurrency: 3, handle: async (job) => void seen.push(job.payload.n) }]);
    await enqueueJobs(
      env.database.db,
      Array.from({ length: 20 }, (_, n) => ({ businessId: tenant.id, queue, payload: { n } })),
    );
    await until(() => seen.length === 20);
    await until(async () => (await jobsOf(queue)).length === 0);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  it('retries a failing job with backoff, then marks it failed after maxAttempts', async () => {
    const queue = queueName();
    const attempts: number[] = [];
    const failed: Job[] = [];
    await workers([
      {
        queue,
        maxAttempts: 3,
        backoffMs: () => 10,
        handle: async (job) => {
          attempts.push(job.attempts);
          if (job.payload.succeedAt !== job.attempts) throw new Error(`attempt ${job.attempts} failed`);
          return undefined;
        },
        onFailed: async (job) => void failed.push(job),
      },
    ]);
    await enqueueJobs(env.database.db, [
      { businessId: tenant.id, queue, payload: { succeedAt: 2 }, key: 'a' },
      { businessId: tenant.id, queue, payload: { succeedAt: 99 }, key: 'b' },
    ]);
    await until(() => failed.length === 1);
    await until(async () => (await jobsOf(queue)).length === 1);
    const [left] = await jobsOf(queue);
    expect(left?.key).toBe('b');
    expect(left?.failed_at).not.toBeNull();
    expect(left?.last_error).toBe('attempt 3 failed');
    expect(left?.attempts).toBe(3);
    expect(failed[0]?.key).toBe('b');
    expect(attempts.filter((a) => a === 1)).toHaveLength(2);
    expect(attempts).toHaveLength(5);
  });

  it('a job may ask to run again later without counting a failure', async () => {
    const queue = queueName();
    let calls = 0;
    await workers([
      {
        queue,
        handle: async () => {
          calls += 1;
          return calls < 3 ? { retryAt: new Date(Date.now() + 20) } : undefined;
        },
      },
    ]);
    await enqueueJobs(env.database.db, [{ businessId: tenant.id, queue, payload: {} }]);
    await until(() => calls === 3);
    await until(async () => (await jobsOf(queue)).length === 0);
  });

  it('keeps one waiting job per key, and queues another while that key is running', async () => {
    const queue = queueName();
    const job = { businessId: tenant.id, queue, payload: {}, key: 'endpoint-1' };
    await enqueueJobs(env.database.db, [job]);
    await enqueueJobs(env.database.db, [job, job]);
    expect(await jobsOf(queue)).toHaveLength(1);
    const lease = { workerId: 'w1', clock: () => new Date(), leaseMs: 30_000 };
    const [claimed] = await claimJobs(env.database.db, queue, 10, lease);
    expect(claimed?.key).toBe('endpoint-1');
    await enqueueJobs(env.database.db, [job]);
    await enqueueJobs(env.database.db, [job]);
    const rows = await jobsOf(queue);
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.locked_by === null)).toHaveLength(1);
  });

  it('hands a job to another worker once its lease runs out, and the old holder can no longer commit', async () => {
    const queue = queueName();
    await enqueueJobs(env.database.db, [{ businessId: tenant.id, queue, payload: {} }]);
    let now = Date.now();
    const clock = () => new Date(now);
    const first = { workerId: 'stalled', clock, leaseMs: 1_000 };
    const second = { workerId: 'fresh', clock, leaseMs: 1_000 };
    const [job] = await claimJobs(env.database.db, queue, 1, first);
    expect(await claimJobs(env.database.db, queue, 1, second)).toHaveLength(0);
    now += 1_500;
    const [again] = await claimJobs(env.database.db, queue, 1, second);
    expect(again?.id).toBe(job?.id);
    expect(again?.attempts).toBe(2);
    const stale = env.database.db.transaction().execute((tx) => holdLease(tx, job as Job, first));
    await expect(stale).rejects.toBeInstanceOf(LeaseLost);
    await env.database.db.transaction().execute((tx) => holdLease(tx, again as Job, second));
  });

  it('a job due later waits for its time (the worker clock decides)', async () => {
    const queue = queueName();
    let now = Date.now();
    const ran: string[] = [];
    const w = await workers([{ queue, handle: async (job) => void ran.push(job.id) }], { clock: () => new Date(now) });
    await enqueueJobs(env.database.db, [{ businessId: tenant.id, queue, payload: {}, runAt: new Date(now + 3_600_000) }]);
    await sleep(300);
    expect(ran).toHaveLength(0);
    now += 3_600_001;
    w.wake();
    await until(() => ran.length === 1);
  });

  it('on stop, a running job is handed back without counting the interrupted attempt', async () => {
    const queue = queueName();
    let started = false;
    const w = await workers([
      {
        queue,
        handle: async (_job, ctx) => {
          started = true;
          await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));
          return undefined;
        },
      },
    ]);
    await enqueueJobs(env.database.db, [{ businessId: tenant.id, queue, payload: {} }]);
    await until(() => started);
    await w.stop();
    const [row] = await jobsOf(queue);
    expect(row?.locked_by).toBeNull();
    expect(row?.failed_at).toBeNull();
    expect(row?.attempts).toBe(0);
  });

  it('several workers share a queue without running any job twice', async () => {
    const queue = queueName();
    const seen = new Map<number, number>();
    const handler: JobHandler = {
      queue,
      concurrency: 4,
      handle: async (job) => {
        seen.set(job.payload.n, (seen.get(job.payload.n) ?? 0) + 1);
        await sleep(1);
        return undefined;
      },
    };
    await Promise.all([workers([handler]), workers([handler]), workers([handler])]);
    await enqueueJobs(
      env.database.db,
      Array.from({ length: 300 }, (_, n) => ({ businessId: tenant.id, queue, payload: { n } })),
    );
    await until(() => seen.size === 300, 60_000);
    await until(async () => (await jobsOf(queue)).length === 0);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
  });

  it('picks up a new job within a second without a short poll (LISTEN on PostgreSQL, 0.25 s polling on PGlite)', async () => {
    const queue = queueName();
    let ranAt = 0;
    const config = testConfig();
    const pollMs = env.database.kind === 'postgres' ? 60_000 : undefined;
    const handle = async () => {
      ranAt = Date.now();
      return undefined;
    };
    running.push(await startWorkers({ database: env.database, config, handlers: [{ queue, handle }], log: quiet, ...(pollMs ? { pollMs } : {}) }));
    await sleep(200);
    const committedAt = Date.now();
    await env.database.db.transaction().execute((tx) => enqueueJobs(tx, [{ businessId: tenant.id, queue, payload: {} }]));
    await until(() => ranAt > 0, 5_000);
    expect(ranAt - committedAt).toBeLessThan(1_000);
  });

  it('jobs of a deleted business cannot exist (business_id is a foreign key)', async () => {
    const insert = sql`insert into jobs (business_id, id, queue, payload, run_at, created_at) values ('nope', 'x', 'q', '{}', now(), now())`.execute(env.database.db);
    await expect(insert).rejects.toMatchObject({ code: '23503' });
  });
});
