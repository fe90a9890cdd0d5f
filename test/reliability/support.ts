import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { Json } from '../helpers/app.ts';
import type { Cluster } from '../helpers/private-postgres.ts';
import { allPages, type Child, call, tenantOn } from '../imports/processes.ts';

/**
 * The fault tests' client and checks (docs/RELIABILITY.md). The client retries each logical
 * request with its own Idempotency-Key on network errors, timeouts, 5xx and 409 in-flight,
 * as a careful integrator would; the invariants are read from the database afterwards.
 */

/** Figures for docs/RELIABILITY.md: one `RELIABILITY {…}` line per scenario on stdout. */
export const report = (scenario: string, figures: object) => process.stdout.write(`RELIABILITY ${JSON.stringify({ scenario, ...figures })}\n`);

/** Billow's bounds in these tests: short, so that a fault shows within seconds. */
export const BOUNDS = {
  DATABASE_ACQUIRE_TIMEOUT_MS: '2000',
  DATABASE_STATEMENT_TIMEOUT_MS: '5000',
  DATABASE_LOCK_TIMEOUT_MS: '1000',
  REQUEST_TIMEOUT_MS: '8000',
  DATABASE_STARTUP_TIMEOUT_SECONDS: '120',
};
/** No attempt may take longer than the request deadline plus this (scheduling on a loaded machine). */
export const HANG_SLACK_MS = 3_000;
export const DEADLINE_MS = Number(BOUNDS.REQUEST_TIMEOUT_MS);

export interface Attempt {
  status: number | 'network' | 'timeout';
  ms: number;
  retryAfter: string | null;
  code: string | null;
}

export interface Outcome {
  /** Invoices the final answers reported as created. */
  succeeded: number;
  logical: number;
  attempts: Attempt[];
  /** Logical requests that never got a final answer (must be none). */
  gaveUp: number;
}

const DATE = '2026-05-12T00:00:00';
const retryable = (a: Attempt) => typeof a.status !== 'number' || a.status >= 500 || (a.status === 409 && a.code === 'conflict.in_flight');

/** One attempt: never longer than the client's own timeout (well past Billow's deadline). */
async function attempt(base: string, auth: Record<string, string>, key: string, body: unknown): Promise<{ attempt: Attempt; json?: Json }> {
  const began = performance.now();
  try {
    const response = await fetch(`${base}/bulk/invoices`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(DEADLINE_MS + 10_000),
    });
    const text = await response.text();
    const json = text.startsWith('{') ? JSON.parse(text) : undefined;
    const code = json?.error?.code ?? null;
    return { attempt: { status: response.status, ms: performance.now() - began, retryAfter: response.headers.get('retry-after'), code }, json };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    return { attempt: { status: timedOut ? 'timeout' : 'network', ms: performance.now() - began, retryAfter: null, code: null } };
  }
}

/**
 * `clients` loops, each sending 10-invoice bulk calls (finalized) to the servers in turn until
 * `stopAt()` says stop; each logical request is retried with its key until it gets a final
 * answer, for at most `giveUpMs`.
 */
export async function runLoad(options: { bases: () => string[]; auth: Record<string, string>; clients: number; until: () => boolean; giveUpMs?: number }): Promise<Outcome> {
  const outcome: Outcome = { succeeded: 0, logical: 0, attempts: [], gaveUp: 0 };
  const giveUpMs = options.giveUpMs ?? 120_000;
  let turn = 0;
  const client = async () => {
    while (!options.until()) {
      const key = `load-${randomUUID()}`;
      const body = { invoices: Array.from({ length: 10 }, (_, i) => ({ customer_id: 'ct_a', date: DATE, place_of_supply: 'IN-MH', line_items: [{ item_id: 'it_w', quantity: 1 }], auto_approve: true, reference: `${key}-${i}` })) };
      outcome.logical++;
      const giveUpAt = Date.now() + giveUpMs;
      for (;;) {
        const bases = options.bases();
        const result = await attempt(bases[turn++ % bases.length] as string, options.auth, key, body);
        outcome.attempts.push(result.attempt);
        if (!retryable(result.attempt)) {
          expect(result.attempt.status, JSON.stringify(result.json)).toBe(200);
          outcome.succeeded += result.json.summary.succeeded;
          break;
        }
        if (Date.now() > giveUpAt) {
          outcome.gaveUp++;
          break;
        }
        await sleep(result.attempt.retryAfter ? Math.min(Number(result.attempt.retryAfter) * 1000, 1_000) : 200);
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, client));
  return outcome;
}

/** A tenant with customer ct_a and item it_w, made through the API of `server`. */
export async function loadTenant(server: Child): Promise<{ auth: Record<string, string>; businessId: string }> {
  const auth = await tenantOn(server);
  await call(server, 'POST', '/api/v1/items', auth, { id: 'it_w', name: 'Widget', unit_price: 100_000, tax_rate: 18 });
  return { auth, businessId: auth['x-business-id'] as string };
}

export interface Invariants {
  invoices: number;
  numbers: number;
}

/**
 * After a fault: invoices = successes reported, no key with two effects, numbers 1..N without
 * gap or duplicate, every journal entry balanced, trial balance zero, every issued invoice posted.
 */
export async function checkInvariants(cluster: Cluster, businessId: string, outcome: Outcome): Promise<Invariants> {
  expect(outcome.gaveUp, 'logical requests without a final answer').toBe(0);
  const q = <R extends Record<string, unknown>>(text: string) => cluster.query<R>(text, [businessId]);
  const [count] = await q<{ n: number }>("select count(*)::int as n from invoices where business_id = $1 and kind = 'invoice'");
  expect(count?.n, 'invoices in the database = invoices the answers reported').toBe(outcome.succeeded);
  expect(await q("select reference from invoices where business_id = $1 group by reference having count(*) > 1"), 'a key with two effects').toEqual([]);
  const numbers = (await q<{ number: string }>("select number from invoices where business_id = $1 and kind = 'invoice' and number is not null")).map((r) => Number(/(\d+)$/.exec(r.number)?.[1]));
  numbers.sort((a, b) => a - b);
  expect(numbers, 'numbers 1..N, no gap, no duplicate').toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
  expect(numbers.length, 'every invoice finalized').toBe(outcome.succeeded);
  expect(await q('select entry_id from journal_lines where business_id = $1 group by entry_id having sum(debit) <> sum(credit)'), 'unbalanced entries').toEqual([]);
  const [trial] = await q<{ diff: number }>('select (coalesce(sum(debit), 0) - coalesce(sum(credit), 0))::int as diff from journal_lines where business_id = $1');
  expect(trial?.diff, 'trial balance').toBe(0);
  const [posted] = await q<{ n: number }>("select count(distinct invoice_id)::int as n from journal_entries where business_id = $1 and invoice_id is not null");
  expect(posted?.n, 'every issued invoice posted').toBe(numbers.length);
  return { invoices: count?.n ?? 0, numbers: numbers.length };
}

/** No attempt took longer than the deadline (plus slack), and every failed one said 503 with Retry-After. */
export function checkAttempts(outcome: Outcome, options: { allowNetworkErrors: boolean }): { maxMs: number; statuses: Record<string, number> } {
  const statuses: Record<string, number> = {};
  for (const a of outcome.attempts) statuses[String(a.status)] = (statuses[String(a.status)] ?? 0) + 1;
  const maxMs = Math.max(...outcome.attempts.map((a) => a.ms));
  expect(maxMs, 'an attempt hung past the deadline').toBeLessThan(DEADLINE_MS + HANG_SLACK_MS);
  for (const a of outcome.attempts) {
    if (typeof a.status === 'number' && a.status >= 500) {
      expect(a.status, JSON.stringify(a)).toBe(503);
      expect(a.retryAfter, 'a 503 without Retry-After').not.toBeNull();
    }
    if (a.status === 'timeout') throw new Error(`an attempt timed out on the client: ${JSON.stringify(a)}`);
    if (a.status === 'network' && !options.allowNetworkErrors) throw new Error(`a network error while the server was up: ${JSON.stringify(a)}`);
  }
  return { maxMs: Math.round(maxMs), statuses };
}

export interface OpsSample {
  path: '/health' | '/ready';
  status: number | 'error';
  ms: number;
  at: number;
}

/** Samples /health and /ready every `everyMs` until `until()` into `samples` (readable meanwhile). */
export async function sampleOps(base: string, until: () => boolean, everyMs = 250, samples: OpsSample[] = []): Promise<OpsSample[]> {
  while (!until()) {
    for (const path of ['/health', '/ready'] as const) {
      const began = performance.now();
      let status: number | 'error';
      try {
        status = (await fetch(`${base}${path}`, { signal: AbortSignal.timeout(3_000) })).status;
      } catch {
        status = 'error';
      }
      samples.push({ path, status, ms: performance.now() - began, at: Date.now() });
    }
    await sleep(everyMs);
  }
  return samples;
}

/** Milliseconds from `since` until `path` answered 200 and kept doing so in the samples. */
export function recoveryMs(samples: OpsSample[], path: OpsSample['path'], since: number): number {
  const after = samples.filter((s) => s.path === path && s.at >= since);
  let firstGood: number | undefined;
  for (const s of after) {
    if (s.status === 200) firstGood ??= s.at;
    else firstGood = undefined;
  }
  if (firstGood === undefined) throw new Error(`${path} did not recover`);
  return firstGood - since;
}

export const slowest = (samples: OpsSample[]) => Math.round(Math.max(...samples.map((s) => s.ms)));

/** Billow's own backends on the cluster (the client backends of database billow, not ours). */
export async function billowBackends(cluster: Cluster): Promise<{ pid: number; query: string }[]> {
  return cluster.query("select pid, query from pg_stat_activity where datname = 'billow' and backend_type = 'client backend' and pid <> pg_backend_pid()");
}

export interface Receiver {
  url: string;
  /** webhook-id of every POST received, in arrival order (duplicates kept). */
  ids: string[];
  close(): Promise<void>;
}

/** A webhook receiver on loopback that records each delivery's webhook-id and answers 200. */
export async function webhookReceiver(): Promise<Receiver> {
  const ids: string[] = [];
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      ids.push(String(request.headers['webhook-id']));
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    ids,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Waits until the receiver has every event of the business (read through the API), then checks
 * at-least-once with order per endpoint: each event arrived, first arrivals in creation order
 * (ids sort as text in creation order); duplicates are counted, not refused.
 */
export async function checkDelivered(server: Child, auth: Record<string, string>, receiver: Receiver, timeoutMs = 60_000): Promise<{ events: number; duplicates: number; delivered_after_ms: number }> {
  const began = Date.now();
  const events = (await allPages(server, auth, '/api/v1/events')).map((e) => e.id as string);
  for (;;) {
    const seen = new Set(receiver.ids);
    if (events.every((id) => seen.has(id))) break;
    if (Date.now() - began > timeoutMs) throw new Error(`${events.filter((id) => !seen.has(id)).length} of ${events.length} events not delivered`);
    await sleep(100);
  }
  const first: string[] = [];
  const seen = new Set<string>();
  for (const id of receiver.ids) {
    if (!seen.has(id)) first.push(id);
    seen.add(id);
  }
  expect(first, 'per-endpoint order').toEqual([...first].sort());
  return { events: events.length, duplicates: receiver.ids.length - seen.size, delivered_after_ms: Date.now() - began };
}
