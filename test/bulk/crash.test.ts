import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/app.ts';
import { freePort } from '../cli/processes.ts';
import { counterOf, DATE } from './support.ts';

/**
 * Crash safety of POST /bulk/invoices with a real server process killed with SIGKILL while
 * the bulk transaction is in flight: after a restart, a retry with the same Idempotency-Key
 * creates the batch exactly once, and numbers stay gapless.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PG_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const ADMIN = `crash-admin-${randomUUID()}`;
const START_TIMEOUT_MS = 40_000;

interface Child {
  proc: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<void>;
}

const children: Child[] = [];
const tempDirs: string[] = [];
const clients: pg.Client[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
    await Promise.race([child.exited, sleep(5_000)]);
  }
  for (const client of clients) await client.end().catch(() => undefined);
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function startServer(dataDir: string): Promise<Child> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    BILLOW_DATA_DIR: dataDir,
    BILLOW_ADMIN_TOKEN: ADMIN,
    BILLOW_SEED_DEMO: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  if (PG_URL) env.DATABASE_URL = PG_URL;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  proc.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  proc.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: Child = { proc, url: `http://127.0.0.1:${port}`, output, exited };
  children.push(child);

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`server exited early:\n${output.join('')}`);
    try {
      const health = await fetch(`${child.url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (health.status === 200) return child;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`server did not answer /health within ${START_TIMEOUT_MS} ms:\n${output.join('')}`);
}

async function kill(child: Child): Promise<void> {
  child.proc.kill('SIGKILL');
  await Promise.race([child.exited, sleep(10_000).then(() => Promise.reject(new Error('child did not exit after SIGKILL')))]);
}

interface Answer {
  status: number;
  body: string;
  headers: Headers;
}

async function call(child: Child, method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const response = await fetch(`${child.url}${url}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

async function created(answer: Answer, what: string): Promise<Json> {
  if (answer.status !== 201) throw new Error(`${what}: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body);
}

/** All invoices of the business through the native API. */
async function invoicesOf(child: Child, auth: Record<string, string>): Promise<Json[]> {
  const answer = await call(child, 'GET', '/api/v1/invoices?limit=500', auth);
  expect(answer.status, answer.body).toBe(200);
  return JSON.parse(answer.body).items as Json[];
}

/** A business (through the admin API) with a customer and an item; `entry` builds auto-approved invoices. */
async function tenantOn(server: Child) {
  const business = await created(
    await call(server, 'POST', '/api/v1/businesses', { authorization: `Bearer ${ADMIN}` }, { name: 'Crash Co', country: 'IN', state: 'IN-MH', currency: 'INR' }),
    'business',
  );
  const businessId = business.business.id as string;
  const auth = { authorization: `Bearer ${business.token}`, 'x-business-id': businessId };
  const customer = await created(await call(server, 'POST', '/api/v1/customers', auth, { name: 'Acme', state: 'IN-MH' }), 'customer');
  const item = await created(await call(server, 'POST', '/api/v1/items', auth, { name: 'Widget', unit_price: 100_000, tax_rate: 18, hsn_code: '8471' }), 'item');
  const entry = (extra: Json) => ({ customer_id: customer.id, date: DATE, place_of_supply: 'IN-MH', line_items: [{ item_id: item.id, quantity: 1 }], auto_approve: true, ...extra });
  return { businessId, auth, customer, entry };
}

/** Polls until `check` holds or the timeout passes. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe(`bulk crash safety (${PG_URL ? 'PostgreSQL' : 'PGlite on disk'})`, () => {
  it('a bulk killed in flight commits nothing; the retry with the same key creates the batch exactly once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-bulk-crash-'));
    tempDirs.push(dataDir);
    let server = await startServer(dataDir);

    const { businessId, auth, customer, entry } = await tenantOn(server);

    // One invoice first, so every counter row of the business exists and can be locked.
    const warm = await call(server, 'POST', '/bulk/invoices', auth, { invoices: [entry({ reference: 'warm-up' })] });
    expect(warm.status, warm.body).toBe(200);
    expect(JSON.parse(warm.body).summary.succeeded).toBe(1);

    const key = `crash-${randomUUID()}`;
    const batch = { invoices: Array.from({ length: 50 }, (_, i) => entry({ reference: `crash-${i}` })) };
    const withKey = { ...auth, 'idempotency-key': key };

    let blocker: pg.Client | undefined;
    let blocked: number[] = [];
    if (PG_URL) {
      // Hold the rows the bulk transaction must lock (number counters, the customer its
      // invoices reference), so the child is provably inside its transaction when killed.
      blocker = new pg.Client({ connectionString: PG_URL });
      clients.push(blocker);
      await blocker.connect();
      await blocker.query('begin');
      await blocker.query(`select last_value from number_series where business_id = $1 and series in ('entity', 'invoice') for update`, [businessId]);
      await blocker.query('select id from customers where business_id = $1 and id = $2 for update', [businessId, customer.id]);
    }

    const inFlight = call(server, 'POST', '/bulk/invoices', withKey, batch).then(
      (answer) => ({ answer }),
      (error: unknown) => ({ error }),
    );

    if (blocker) {
      const me = (await blocker.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
      await waitFor('the bulk transaction to block on the held rows', async () => {
        const rows = await blocker.query<{ pid: number }>('select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [me]);
        blocked = rows.rows.map((r) => r.pid);
        return blocked.length > 0;
      });
      await sleep(500);
    } else {
      await sleep(120);
    }
    await kill(server);
    const outcome = await inFlight;

    if (blocker) {
      // The request never got an answer: it was waiting inside its transaction.
      expect('error' in outcome, JSON.stringify(outcome)).toBe(true);
      await blocker.query('rollback');
      // The orphaned backend sees its client gone and rolls back; wait until it has left.
      await waitFor('the killed server backend to end', async () => {
        const rows = await blocker.query('select pid from pg_stat_activity where pid = any($1::int[])', [blocked]);
        return rows.rowCount === 0;
      });
      const committed = await blocker.query('select count(*)::int as n from invoices where business_id = $1', [businessId]);
      expect(committed.rows[0]?.n).toBe(1);
      await blocker.end();
    }

    server = await startServer(dataDir);

    const retry = await call(server, 'POST', '/bulk/invoices', withKey, batch);
    expect(retry.status, retry.body).toBe(200);
    const body = JSON.parse(retry.body);
    expect(body.summary).toEqual({ total: 50, succeeded: 50, failed: 0 });
    expect(body.message).toBe('50 of 50 invoices created.');
    if (PG_URL) expect(retry.headers.get('idempotent-replayed')).toBeNull();

    const afterRetry = await invoicesOf(server, auth);
    const fromBatch = afterRetry.filter((i) => String(i.reference).startsWith('crash-'));
    expect(fromBatch).toHaveLength(50);
    expect(afterRetry).toHaveLength(51);
    expect(new Set(fromBatch.map((i) => i.reference)).size).toBe(50);
    expect(fromBatch.map((i) => i.id).sort()).toEqual((body.results as Json[]).map((r) => r.invoice.id).sort());
    // Numbers the killed transaction took do not exist: the series is still gapless.
    expect(afterRetry.map((i) => counterOf(i.number)).sort((a, b) => a - b)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));

    const again = await call(server, 'POST', '/bulk/invoices', withKey, batch);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toBe(retry.body);
    expect(await invoicesOf(server, auth)).toHaveLength(51);

    await kill(server);
  }, 90_000);

  it(`one Idempotency-Key sent concurrently to ${PG_URL ? 'two server processes' : 'a real server'} creates the batch once`, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-bulk-multi-'));
    tempDirs.push(dataDir);
    // PGlite is embedded in one process; PostgreSQL lets API processes scale out.
    const servers = PG_URL ? await Promise.all([startServer(dataDir), startServer(dataDir)]) : [await startServer(dataDir)];
    const first = servers[0] as Child;
    const { auth, entry } = await tenantOn(first);
    const withKey = { ...auth, 'idempotency-key': `multi-${randomUUID()}` };
    const batch = { invoices: [...Array.from({ length: 40 }, (_, i) => entry({ reference: `multi-${i}` })), entry({ customer_id: 'ct_missing' })] };

    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => call(servers[i % servers.length] as Child, 'POST', '/bulk/invoices', withKey, batch)));
    for (const answer of answers) expect([200, 409], answer.body).toContain(answer.status);
    const originals = answers.filter((a) => a.status === 200 && a.headers.get('idempotent-replayed') === null);
    expect(originals, JSON.stringify(answers.map((a) => [a.status, a.headers.get('idempotent-replayed')]))).toHaveLength(1);
    const original = originals[0] as Answer;
    expect(JSON.parse(original.body).summary).toEqual({ total: 41, succeeded: 40, failed: 1 });
    for (const answer of answers.filter((a) => a.status === 200)) expect(answer.body).toBe(original.body);
    for (const answer of answers.filter((a) => a.status === 409)) expect(JSON.parse(answer.body).error.code).toBe('conflict.in_flight');

    for (const server of servers) {
      const again = await call(server, 'POST', '/bulk/invoices', withKey, batch);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toBe(original.body);
    }
    const invoices = await invoicesOf(first, auth);
    expect(invoices).toHaveLength(40);
    expect(invoices.map((i) => counterOf(i.number)).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const server of servers) await kill(server);
  }, 90_000);
});
