import { type ChildProcess, spawn } from 'node:child_process';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import type { Workers } from '../../src/jobs/runner.ts';
import { emitEvents } from '../../src/modules/events/outbox.ts';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness } from '../helpers/factories.ts';
import { expectBulkOk, type Fixture, fixture, invoiceEntry } from '../bulk/support.ts';
import { ROOT } from '../cli/processes.ts';
import { createEndpoint, deliveriesOf, eventually, type Receiver, startReceiver, type TestClock, testClock, testWorkers } from './support.ts';

let env: TestEnv;
let workers: Workers | undefined;
let receivers: Receiver[] = [];

beforeAll(async () => {
  env = await testApp();
});
afterEach(async () => {
  await workers?.stop();
  workers = undefined;
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});
afterAll(() => env.app.close());

async function receiver(answer?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

async function run(clock: TestClock = testClock(), config = {}): Promise<TestClock> {
  workers = await testWorkers(env, clock, config);
  return clock;
}

/**
 * Moves the workers' clock forward and lets them look for due work at once. It waits until no
 * job of the business is running: a jump of hours under a running job would look like an
 * expired lease (a stalled worker), which is another test (the two-process one).
 */
async function advance(clock: TestClock, businessId: string, ms: number): Promise<void> {
  await eventually(async () => {
    const running = await sql<{ n: number }>`select count(*)::int as n from jobs where business_id = ${businessId} and locked_by is not null`.execute(env.database.db);
    return running.rows[0]?.n === 0;
  });
  clock.advance(ms);
  workers?.wake();
}

const MINUTE = 60_000;
const createInvoices = async (f: Fixture, n: number) => expectBulkOk(await f.tenant.post('/bulk/invoices', { invoices: Array.from({ length: n }, () => invoiceEntry(f)) }), 'invoices', n, n);

async function allEventIds(f: Fixture): Promise<string[]> {
  const response = await f.tenant.get('/api/v1/events?limit=500');
  expect(response.statusCode, response.body).toBe(200);
  return (response.json().items as Json[]).map((e) => e.id).reverse();
}

describe('webhook delivery', () => {
  it('delivers a bulk of 3 good + 1 bad rows as 3 INVOICE_CREATED then INVOICE_BULK_CREATED, signed', async () => {
    const f = await fixture(await createBusiness(env.app));
    const r = await receiver();
    const endpoint = await createEndpoint(f.tenant, r.url);
    await run();
    const body = expectBulkOk(
      await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f), invoiceEntry(f), invoiceEntry(f, { customer_id: 'ct_missing' }), invoiceEntry(f)] }),
      'invoices',
      4,
      3,
    );
    const got = await r.waitFor(4);
    expect(got.map((g) => g.json.type)).toEqual(['INVOICE_CREATED', 'INVOICE_CREATED', 'INVOICE_CREATED', 'INVOICE_BULK_CREATED']);
    const created = (body.results as Json[]).filter((x) => x.ok).map((x) => x.invoice);
    expect(got.slice(0, 3).map((g) => g.json.data)).toEqual(created);
    expect(got[3]?.json.data).toEqual({ count: 3, failed: 1, batch_size: 4 });
    const verifier = new Webhook(endpoint.secret);
    for (const g of got) {
      expect(() => verifier.verify(g.body, g.headers as Record<string, string>)).not.toThrow();
      expect(Object.keys(g.json).sort()).toEqual(['business_id', 'created_at', 'data', 'id', 'type']);
      expect(g.json.business_id).toBe(f.tenant.id);
      expect(g.headers['webhook-id']).toBe(g.json.id);
      expect(g.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    }
    // The webhook ids are the event log's ids, in the log's order.
    expect(got.map((g) => g.json.id)).toEqual(await allEventIds(f));
    const log = await eventually(async () => {
      const d = await deliveriesOf(f.tenant, endpoint.id);
      return d.length === 4 && d.every((x) => x.status === 'delivered') && d;
    });
    expect(log.map((d) => d.last_status_code)).toEqual([200, 200, 200, 200]);
    expect(log.map((d) => d.attempts)).toEqual([1, 1, 1, 1]);
  });

  it('retries a 500 with the same webhook-id until the receiver answers 200', async () => {
    const f = await fixture(await createBusiness(env.app));
    const answers = [500, 500, 200];
    const r = await receiver((n) => answers[n - 1] ?? 200);
    const endpoint = await createEndpoint(f.tenant, r.url, ['INVOICE_CREATED']);
    const clock = await run();
    await createInvoices(f, 1);
    await eventually(async () => r.received.length === 1);
    await advance(clock, f.tenant.id, 6_000);
    const [pending] = await eventually(async () => {
      const d = await deliveriesOf(f.tenant, endpoint.id);
      return d[0]?.attempts === 2 && d;
    });
    expect(pending).toMatchObject({ status: 'pending', attempts: 2, last_status_code: 500, response_excerpt: 'status 500' });
    expect(Date.parse(pending.next_attempt_at)).toBeGreaterThan(clock.now().getTime() + 4 * MINUTE);
    await advance(clock, f.tenant.id, 6 * MINUTE);
    await r.waitFor(1);
    const ids = r.received.map((g) => g.headers['webhook-id']);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    const [delivered] = await eventually(async () => {
      const d = await deliveriesOf(f.tenant, endpoint.id);
      return d[0]?.status === 'delivered' && d;
    });
    expect(delivered).toMatchObject({ attempts: 3, last_status_code: 200, next_attempt_at: null });
  });

  it('delivers every event once after a simulated hour of receiver downtime, in order', async () => {
    const f = await fixture(await createBusiness(env.app));
    let down = true;
    const r = await receiver(() => (down ? 503 : 200));
    const endpoint = await createEndpoint(f.tenant, r.url);
    const clock = await run();
    await createInvoices(f, 5);
    await eventually(async () => r.received.length === 1);
    // Attempts fall due at about 5 s, 5 min and 35 min: step past each, emitting meanwhile.
    for (const [step, attempts] of [
      [10, 2],
      [10, 3],
      [40, 4],
    ] as const) {
      await advance(clock, f.tenant.id, step * MINUTE);
      await eventually(async () => r.received.length === attempts);
      await createInvoices(f, 1);
    }
    down = false;
    await advance(clock, f.tenant.id, 150 * MINUTE);
    const ids = await allEventIds(f);
    expect(ids).toHaveLength(6 + 3 * 2);
    await r.waitFor(ids.length);
    const ok = r.received.slice(4);
    expect(r.received.slice(0, 4).every((g) => g.json.id === ids[0])).toBe(true);
    expect(ok.map((g) => g.json.id)).toEqual(ids);
    const log = await eventually(async () => {
      const d = await deliveriesOf(f.tenant, endpoint.id);
      return d.length === ids.length && d.every((x) => x.status === 'delivered') && d;
    });
    expect(new Set(log.map((d) => d.event_id)).size).toBe(ids.length);
    expect(log.find((d) => d.event_id === ids[0])?.attempts).toBe(5);
  });

  it('never delivers the events of a rolled-back transaction', async () => {
    const f = await fixture(await createBusiness(env.app));
    const r = await receiver();
    const endpoint = await createEndpoint(f.tenant, r.url);
    await run();
    await expect(
      env.database.db.transaction().execute(async (tx) => {
        await emitEvents(tx, f.tenant.id, new Date().toISOString(), [{ type: 'INVOICE_CREATED', data: { id: 'rolled-back' } }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await createInvoices(f, 1);
    await r.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.received.map((g) => g.json.type)).toEqual(['INVOICE_CREATED', 'INVOICE_BULK_CREATED']);
    expect(r.received.some((g) => g.json.data.id === 'rolled-back')).toBe(false);
    expect(await deliveriesOf(f.tenant, endpoint.id)).toHaveLength(2);
  });

  it("never sends another business's events to this endpoint", async () => {
    const mine = await fixture(await createBusiness(env.app));
    const other = await fixture(await createBusiness(env.app));
    const r = await receiver();
    const r2 = await receiver();
    await createEndpoint(mine.tenant, r.url, ['INVOICE_BULK_CREATED']);
    await createEndpoint(other.tenant, r2.url, ['INVOICE_BULK_CREATED']);
    await run();
    await createInvoices(other, 2);
    await createInvoices(mine, 1);
    await createInvoices(other, 1);
    await r.waitFor(1);
    await r2.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.received.map((g) => g.json.business_id)).toEqual([mine.tenant.id]);
    expect(r2.received.map((g) => g.json.business_id)).toEqual([other.tenant.id, other.tenant.id]);
  });

  it('refuses a loopback target after DNS resolution without WEBHOOK_ALLOW_PRIVATE', async () => {
    const f = await fixture(await createBusiness(env.app));
    const r = await receiver();
    const endpoint = await createEndpoint(f.tenant, r.url.replace('127.0.0.1', 'localhost'), ['INVOICE_BULK_CREATED']);
    await run(testClock(), { webhookAllowPrivate: false });
    await createInvoices(f, 1);
    const [refused] = await eventually(async () => {
      const d = await deliveriesOf(f.tenant, endpoint.id);
      return d[0]?.attempts === 1 && d;
    });
    expect(refused).toMatchObject({ status: 'pending', last_status_code: null });
    expect(refused.last_error).toMatch(/refused: .*private address/);
    expect(r.received).toHaveLength(0);
  });

  it('signs with the old and the new secret for 24 hours after a rotation', async () => {
    const f = await fixture(await createBusiness(env.app));
    const r = await receiver();
    const endpoint = await createEndpoint(f.tenant, r.url, ['INVOICE_BULK_CREATED']);
    const rotated = await f.tenant.post(`/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { secret } = rotated.json();
    expect(secret).not.toBe(endpoint.secret);
    const clock = await run();
    await createInvoices(f, 1);
    const [first] = await r.waitFor(1);
    const signatures = String(first?.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    for (const key of [secret, endpoint.secret]) {
      expect(() => new Webhook(key).verify(first?.body ?? '', first?.headers as Record<string, string>)).not.toThrow();
    }
    await advance(clock, f.tenant.id, 25 * 60 * MINUTE);
    await createInvoices(f, 1);
    const later = (await r.waitFor(2))[1];
    expect(String(later?.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() => new Webhook(secret).verify(later?.body ?? '', later?.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(endpoint.secret).verify(later?.body ?? '', later?.headers as Record<string, string>)).toThrow();
  });

  it('disables the endpoint on 410 Gone, and a manual retry after re-enabling delivers', async () => {
    const f = await fixture(await createBusiness(env.app));
    let gone = true;
    const r = await receiver(() => (gone ? 410 : 200));
    const endpoint = await createEndpoint(f.tenant, r.url, ['INVOICE_BULK_CREATED']);
    await run();
    await createInvoices(f, 1);
    const disabled: Json = await eventually(async () => {
      const response = await f.tenant.get(`/api/v1/webhook-endpoints/${endpoint.id}`);
      return response.json().disabled === true && response.json();
    });
    expect(disabled.disabled_reason).toMatch(/410/);
    const [failed] = await deliveriesOf(f.tenant, endpoint.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, last_status_code: 410, next_attempt_at: null });
    gone = false;
    const enabled = await f.tenant.request('PATCH', `/api/v1/webhook-endpoints/${endpoint.id}`, { disabled: false });
    expect(enabled.statusCode, enabled.body).toBe(200);
    const retried = await f.tenant.post(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries/${failed.id}/retry`);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({ id: failed.id, status: 'pending' });
    await r.waitFor(1);
    expect(r.received.map((g) => g.headers['webhook-id'])).toEqual([failed.event_id, failed.event_id]);
    await eventually(async () => (await deliveriesOf(f.tenant, endpoint.id))[0]?.status === 'delivered');
  });
});

/** `billow worker` as a child process on the suite's PostgreSQL; resolves once it runs. */
function startWorkerProcess(children: ChildProcess[]): Promise<ChildProcess> {
  const env = { ...process.env, WEBHOOK_ALLOW_PRIVATE: 'true', JOB_LEASE_SECONDS: '10', LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, ['bin/billow.js', 'worker'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('workers started')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${output}`)));
  });
}

describe('several workers', () => {
  it('two workers deliver 1,000 events to each of two endpoints exactly once, in order', async () => {
    const f = await fixture(await createBusiness(env.app));
    const receiversOf = [await receiver(), await receiver()];
    for (const r of receiversOf) await createEndpoint(f.tenant, r.url, ['INVOICE_CREATED']);
    const children: ChildProcess[] = [];
    // PostgreSQL: two `billow worker` processes. PGlite (one process owns the database): two runners in this process.
    const postgres = env.database.kind === 'postgres';
    const second = postgres ? undefined : await testWorkers(env, testClock());
    try {
      if (postgres) await Promise.all([startWorkerProcess(children), startWorkerProcess(children)]);
      else await run();
      for (let call = 0; call < 20; call++) await createInvoices(f, 50);
      const expected = (await eventIdsOfType(f, 'INVOICE_CREATED')).reverse();
      expect(expected).toHaveLength(1000);
      for (const r of receiversOf) {
        await r.waitFor(1000, 60_000);
        const ids = r.received.map((g) => g.headers['webhook-id']);
        expect(ids).toEqual(expected);
      }
    } finally {
      for (const child of children) child.kill('SIGTERM');
      await second?.stop();
    }
  }, 120_000);
});

async function eventIdsOfType(f: Fixture, type: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const response = await f.tenant.get(`/api/v1/events?type=${type}&limit=500${query}`);
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json();
    ids.push(...(page.items as Json[]).map((e) => e.id));
    cursor = page.has_next ? page.next_cursor : null;
  } while (cursor);
  return ids;
}

describe('billow webhooks listen', () => {
  it('registers a local receiver, prints each verified event on one line, and removes the endpoint on Ctrl-C', async () => {
    const f = await fixture(await createBusiness(env.app));
    const api = await buildApp({ db: env.database.db, config: env.config });
    const base = await api.listen({ port: 0, host: '127.0.0.1' });
    await run();
    const args = ['bin/billow.js', 'webhooks', 'listen', '--port', '0', '--events', 'INVOICE_CREATED,INVOICE_BULK_CREATED'];
    const child = spawn(process.execPath, [...args, '--api', base, '--token', f.tenant.token, '--business', f.tenant.id], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await eventually(async () => stdout.includes('Listening on'), 30_000);
      const [endpoint] = (await f.tenant.get('/api/v1/webhook-endpoints')).json().items;
      expect(endpoint).toMatchObject({ events: ['INVOICE_CREATED', 'INVOICE_BULK_CREATED'], description: 'billow webhooks listen' });
      const body = await createInvoices(f, 2);
      const lines = await eventually(async () => {
        const printed = stdout.split('\n').filter((line) => /^\d{4}-.*INVOICE_/.test(line));
        return printed.length === 3 && printed;
      });
      const ids = (body.results as Json[]).map((x) => x.invoice.id);
      expect(lines[0]).toMatch(new RegExp(`INVOICE_CREATED .*${ids[0]}`));
      expect(lines[1]).toMatch(new RegExp(`INVOICE_CREATED .*${ids[1]}`));
      expect(lines[2]).toContain('INVOICE_BULK_CREATED');
      expect(lines[2]).toContain('{"count":2,"failed":0,"batch_size":2}');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stdout, stdout).toContain(`Removed endpoint ${endpoint.id}.`);
      expect((await f.tenant.get('/api/v1/webhook-endpoints')).json().items).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await api.close();
    }
  }, 60_000);
});
