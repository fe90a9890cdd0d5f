import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { enqueueJobs } from '../../src/jobs/queue.ts';
import { loggerOptions } from '../../src/server.ts';
import { sharedDatabase, type TestEnv, testApp, testConfig } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem } from '../helpers/factories.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

describe('GET /ready', () => {
  it('is ready when the database answers and every migration is applied (no workers in this process)', async () => {
    const response = await env.app.inject({ method: 'GET', url: '/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', workers: 'none' }, pending_migrations: [] });
  });

  it('is 503 naming the workers while they are not running, and 200 once they are', async () => {
    let running = false;
    const database = await sharedDatabase();
    const app = await buildApp({ db: database.db, config: testConfig(), workers: { running: () => running } });
    try {
      const down = await app.inject({ method: 'GET', url: '/ready' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({ status: 'not_ready', checks: { database: 'ok', migrations: 'ok', workers: 'failed' } });
      running = true;
      const up = await app.inject({ method: 'GET', url: '/ready' });
      expect(up.statusCode).toBe(200);
      expect(up.json().checks.workers).toBe('ok');
    } finally {
      await app.close();
    }
  });

  it('needs no token, like /health', async () => {
    expect((await env.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await env.app.inject({ method: 'GET', url: '/ready', headers: { authorization: 'Bearer nonsense' } })).statusCode).toBe(200);
  });
});

describe('GET /metrics', () => {
  it('counts requests per route template and method, and bulk items per call', async () => {
    const tenant = await createBusiness(env.app);
    const [customer, item] = await Promise.all([createCustomer(tenant), createItem(tenant)]);
    const entry = { customer_id: customer.id, place_of_supply: 'IN-MH', line_items: [{ item_id: item.id, quantity: 1 }] };
    expect((await tenant.post('/bulk/invoices', { invoices: [entry, entry, entry] })).statusCode).toBe(200);
    expect((await tenant.get(`/api/v1/customers/${customer.id}`)).statusCode).toBe(200);
    expect((await tenant.get('/api/v1/customers/ct_nobody')).statusCode).toBe(404);

    const response = await env.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;
    expect(text).toMatch(/^billow_http_request_duration_seconds_count\{method="POST",route="\/bulk\/invoices",status_code="200"\} 1$/m);
    // The route template, never the raw URL: ids do not become label values.
    expect(text).toMatch(/^billow_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/customers\/:id",status_code="200"\} 1$/m);
    expect(text).toMatch(/^billow_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/customers\/:id",status_code="404"\} 1$/m);
    expect(text).not.toContain('ct_nobody');
    expect(text).toMatch(/^billow_bulk_items_per_call_sum\{route="\/bulk\/invoices"\} 3$/m);
    expect(text).toMatch(/^billow_bulk_items_per_call_count\{route="\/bulk\/invoices"\} 1$/m);
  });
});

describe('job queue gauges', () => {
  it('show per queue how many due jobs wait for a worker and for how long', async () => {
    const tenant = await createBusiness(env.app);
    const queue = `ops-test-${tenant.id}`;
    await enqueueJobs(env.database.db, [
      { businessId: tenant.id, queue, payload: {}, runAt: new Date(Date.now() - 60_000) },
      { businessId: tenant.id, queue, payload: {}, runAt: new Date(Date.now() - 1_000) },
      { businessId: tenant.id, queue, payload: {}, runAt: new Date(Date.now() + 3_600_000) },
    ]);
    try {
      const text = (await env.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).toContain(`billow_jobs_waiting{queue="${queue}"} 2`);
      const lag = Number(new RegExp(`^billow_job_lag_seconds\\{queue="${queue}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
      expect(lag).toBeGreaterThanOrEqual(60);
      expect(lag).toBeLessThan(600);
    } finally {
      await env.database.db.deleteFrom('jobs').where('business_id', '=', tenant.id).execute();
    }
  });
});

describe('outbox and import gauges', () => {
  it('show the age of the oldest undelivered webhook event and the rows per second of running imports', async () => {
    const tenant = await createBusiness(env.app);
    const b = tenant.id;
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    await sql`insert into event_batches (business_id, id, created_at, types, data) values (${b}, 'batch-1', ${ago(120_000)}, ${['INVOICE_CREATED']}, '[]')`.execute(env.database.db);
    await sql`insert into webhook_endpoints (business_id, id, url, events, secret, created_at, updated_at)
              values (${b}, 'we-1', 'https://hooks.example/x', ${['*']}, 'whsec_x', ${ago(0)}, ${ago(0)})`.execute(env.database.db);
    await sql`insert into webhook_queue (business_id, endpoint_id, batch_id) values (${b}, 'we-1', 'batch-1')`.execute(env.database.db);
    await sql`insert into imports (business_id, id, s3_key, status, finalize, skip_invalid, bytes_total, checkpoint_rows, started_at, created_at, updated_at)
              values (${b}, 'imp-1', ${`${b}/x.csv`}, 'running', false, false, 100, 1000, ${ago(10_000)}, ${ago(10_000)}, ${ago(0)})`.execute(env.database.db);
    try {
      const text = (await env.app.inject({ method: 'GET', url: '/metrics' })).body;
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      expect(value('billow_outbox_lag_seconds')).toBeGreaterThanOrEqual(120);
      expect(value('billow_outbox_pending')).toBeGreaterThanOrEqual(1);
      // 1,000 rows in about 10 s; other tests' running imports can only add to the sum.
      expect(value('billow_import_rows_per_second')).toBeGreaterThan(50);
    } finally {
      await sql`delete from webhook_queue where business_id = ${b}`.execute(env.database.db);
      await sql`delete from webhook_endpoints where business_id = ${b}`.execute(env.database.db);
      await sql`delete from event_batches where business_id = ${b} and id = 'batch-1'`.execute(env.database.db);
      await sql`update imports set status = 'cancelled' where business_id = ${b}`.execute(env.database.db);
    }
  });
});

describe('logging', () => {
  it('is pretty on a terminal and JSON otherwise, at the configured level', () => {
    const config = testConfig({ logLevel: 'info' });
    expect(loggerOptions(config, false)).toEqual({ level: 'info' });
    expect(loggerOptions(config, true)).toMatchObject({ level: 'info', transport: { target: 'pino-pretty' } });
  });
});
