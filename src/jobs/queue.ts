import { sql } from 'kysely';
import { uuidv7 } from '../ids.ts';
import type { Db, Tx } from '../modules/context.ts';
import { isUniqueViolation } from '../modules/db-errors.ts';

/**
 * The one mechanism for background work (docs/decisions.md, "Jobs"): rows in `jobs`, claimed
 * with FOR UPDATE SKIP LOCKED and held by a lease. Enqueueing happens inside the transaction
 * of the change that asks for the work, so a job exists exactly when that change commits.
 */
export interface Job {
  business_id: string;
  id: string;
  queue: string;
  key: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: each queue's handler knows its own payload shape.
  payload: any;
  attempts: number;
  run_at: string;
  locked_by: string | null;
  created_at: string;
}

export interface NewJob {
  businessId: string;
  queue: string;
  payload: unknown;
  /** At most one waiting job per (queue, key): asking again before a worker took it is a no-op. */
  key?: string | undefined;
  runAt?: Date | undefined;
}

/** Who holds a job and until when: the lease a worker renews while it works. */
export interface Lease {
  workerId: string;
  clock: () => Date;
  leaseMs: number;
}

export class LeaseLost extends Error {
  constructor(job: Pick<Job, 'id' | 'queue'>) {
    super(`lease on ${job.queue} job ${job.id} was lost`);
    this.name = 'LeaseLost';
  }
}

const until = (lease: Lease) => new Date(lease.clock().getTime() + lease.leaseMs).toISOString();

/** Adds jobs inside the caller's transaction; a duplicate waiting key is skipped. Wakes workers at commit. */
export async function enqueueJobs(db: Db | Tx, jobs: NewJob[], now = new Date()): Promise<void> {
  if (jobs.length === 0) return;
  const rows = jobs.map((job) => ({
    business_id: job.businessId,
    id: uuidv7(),
    queue: job.queue,
    key: job.key ?? null,
    payload: JSON.stringify(job.payload),
    run_at: (job.runAt ?? now).toISOString(),
    created_at: now.toISOString(),
  }));
  await db
    .insertInto('jobs')
    .values(rows)
    .onConflict((oc) => oc.columns(['business_id', 'queue', 'key']).where('key', 'is not', null).where('locked_by', 'is', null).where('failed_at', 'is', null).doNothing())
    .execute();
}

/**
 * Claims up to `limit` due jobs of a queue for this worker: jobs never claimed, retried jobs
 * whose time has come, and jobs whose holder's lease ran out (a killed worker). Rows another
 * worker is claiming at this moment are skipped, so no job is handed to two workers.
 */
export async function claimJobs(db: Db, queue: string, limit: number, lease: Lease): Promise<Job[]> {
  const now = lease.clock().toISOString();
  const result = await sql<Job>`
    update jobs j set locked_by = ${lease.workerId}, locked_until = ${until(lease)}, attempts = j.attempts + 1
    from (
      select business_id, id from jobs
      where queue = ${queue} and failed_at is null and run_at <= ${now}
        and (locked_until is null or locked_until < ${now})
      order by run_at, id
      limit ${limit}
      for update skip locked
    ) due
    where j.business_id = due.business_id and j.id = due.id
    returning j.business_id, j.id, j.queue, j.key, j.payload, j.attempts, j.run_at, j.locked_by, j.created_at`.execute(db);
  return result.rows.sort((a, b) => (a.run_at < b.run_at ? -1 : a.run_at > b.run_at ? 1 : a.id < b.id ? -1 : 1));
}

/**
 * Inside a transaction that records a job's progress (a chunk and its checkpoint): locks the
 * job row, checks this worker still holds it and extends the lease. If another worker took the
 * job over (this one stalled past its lease), it throws LeaseLost and the transaction rolls back,
 * so the same work never commits twice.
 */
export async function holdLease(tx: Tx, job: Job, lease: Lease): Promise<void> {
  const result = await sql`
    update jobs set locked_until = ${until(lease)}
    where business_id = ${job.business_id} and id = ${job.id} and locked_by = ${lease.workerId}
    returning id`.execute(tx);
  if (result.rows.length === 0) throw new LeaseLost(job);
}

/** Renews the lease outside any work transaction (the runner's heartbeat); false if it was lost. */
export async function renewLease(db: Db, job: Job, lease: Lease): Promise<boolean> {
  const result = await sql`
    update jobs set locked_until = ${until(lease)}
    where business_id = ${job.business_id} and id = ${job.id} and locked_by = ${lease.workerId}
    returning id`.execute(db);
  return result.rows.length > 0;
}

/** The job is done: it leaves the table. */
export async function completeJob(db: Db | Tx, job: Job, lease: Lease): Promise<void> {
  await sql`delete from jobs where business_id = ${job.business_id} and id = ${job.id} and locked_by = ${lease.workerId}`.execute(db);
}

/**
 * Puts a claimed job back to wait until `runAt`. If a twin with the same key is already
 * waiting, that twin will do the work, so this one is dropped instead.
 */
export async function releaseJob(db: Db, job: Job, lease: Lease, runAt: Date, error: string | null, countAttempt = true): Promise<void> {
  const attempts = countAttempt ? sql`attempts` : sql`greatest(attempts - 1, 0)`;
  try {
    await sql`
      update jobs set locked_by = null, locked_until = null, run_at = ${runAt.toISOString()}, last_error = ${error}, attempts = ${attempts}
      where business_id = ${job.business_id} and id = ${job.id} and locked_by = ${lease.workerId}`.execute(db);
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    await completeJob(db, job, lease);
  }
}

/** Gives up on a job after its last attempt: it stays in the table, marked failed, for inspection. */
export async function failJob(db: Db, job: Job, lease: Lease, error: string): Promise<void> {
  await sql`
    update jobs set locked_by = null, locked_until = null, failed_at = ${lease.clock().toISOString()}, last_error = ${error}
    where business_id = ${job.business_id} and id = ${job.id} and locked_by = ${lease.workerId}`.execute(db);
}
