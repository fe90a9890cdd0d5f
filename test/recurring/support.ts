import { sql } from 'kysely';
import { expect } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { completeJob, type Job } from '../../src/jobs/queue.ts';
import type { WorkerContext } from '../../src/jobs/runner.ts';
import { runScheduler } from '../../src/modules/recurring/run-scheduler.ts';
import { RECURRING_QUEUE } from '../../src/modules/recurring/runs.ts';
import { type Json, sharedDatabase, type TestEnv, testConfig } from '../helpers/app.ts';
import type { Tenant } from '../helpers/factories.ts';
import { checkResponses } from '../helpers/response-contract.ts';

export const TEMPLATES = '/api/v1/recurring-templates';

/** A clock the test moves: the app and the scheduler both read it (Context.clock, WorkerContext.clock). */
export interface TestClock {
  (): Date;
  set(iso: string): void;
}

export function testClock(start: string): TestClock {
  let now = new Date(start);
  const clock = (() => new Date(now)) as TestClock;
  clock.set = (iso: string) => {
    now = new Date(iso);
  };
  return clock;
}

/** An app over the shared test database whose "now" is `clock`. */
export async function clockedApp(clock: TestClock): Promise<TestEnv> {
  const database = await sharedDatabase();
  const config = testConfig({ recurringChunkTemplates: 7 });
  const app = await buildApp({ db: database.db, config, clock, onRoute: checkResponses });
  await app.ready();
  return { app, database, config };
}

/** A monthly retainer of one line, 10,000.00 at 18 %, starting on `start`. */
export function retainer(customerId: string, start: string, extra: Json = {}): Json {
  return {
    name: 'Monthly retainer',
    customer_id: customerId,
    line_items: [{ name: 'Retainer', quantity: 1, unit_price: 1_000_000, tax_rate: 18 }],
    schedule: { frequency: 'month', interval: 1 },
    start_date: start,
    end: { type: 'never' },
    mode: 'finalize',
    ...extra,
  };
}

export async function createTemplate(tenant: Tenant, body: Json): Promise<Json> {
  const response = await tenant.post(TEMPLATES, body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

export async function getTemplate(tenant: Tenant, id: string): Promise<Json> {
  const response = await tenant.get(`${TEMPLATES}/${id}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** The invoices a template made, oldest date first. */
export async function invoicesOf(tenant: Tenant, templateId: string): Promise<Json[]> {
  const response = await tenant.get(`/api/v1/invoices?recurring_template_id=${templateId}&limit=500`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json().items as Json[]).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Runs the scheduler of one business the way a worker does (claim its due recurring jobs with
 * a lease, run the real handler, complete), at the clock's time. Only this business's jobs are
 * claimed, so tests sharing a PostgreSQL database never run each other's schedules at a
 * moved clock. Returns how many jobs ran; jobs that are not due yet stay waiting.
 */
export async function runDue(env: TestEnv, tenant: Tenant, clock: TestClock): Promise<number> {
  const lease: Omit<WorkerContext, 'signal'> = { db: env.database.db, config: env.config, log: silent, clock, workerId: `test-${tenant.id}`, leaseMs: 30_000 };
  let ran = 0;
  for (;;) {
    const now = clock().toISOString();
    const claimed = await sql<Job>`
      update jobs set locked_by = ${lease.workerId}, locked_until = ${new Date(clock().getTime() + lease.leaseMs).toISOString()}, attempts = attempts + 1
      where business_id = ${tenant.id} and queue = ${RECURRING_QUEUE} and run_at <= ${now} and failed_at is null and locked_by is null
      returning business_id, id, queue, key, payload, attempts, run_at, locked_by, created_at`.execute(env.database.db);
    if (claimed.rows.length === 0) return ran;
    for (const job of claimed.rows) {
      await runScheduler(job, { ...lease, signal: new AbortController().signal });
      await completeJob(env.database.db, job, lease);
      ran++;
    }
  }
}

/** When the business's scheduler run is due next (null: none waiting). */
export async function nextRunAt(env: TestEnv, tenant: Tenant): Promise<string | null> {
  const row = await env.database.db.selectFrom('jobs').select('run_at').where('business_id', '=', tenant.id).where('queue', '=', RECURRING_QUEUE).where('key', '=', 'run').executeTakeFirst();
  return row ? new Date(row.run_at).toISOString() : null;
}
