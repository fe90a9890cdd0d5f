/**
 * `npm run bench -- orders [options]` — POST /invoices/bulk {orderIds} (seeds/003) through the
 * real HTTP server (in-process, loopback) on PostgreSQL (when it answers) and on-disk PGlite,
 * compared in the same run with plain multi-row statements writing the same rows
 * (bench/lib/orders-baseline.ts): `baseline_*` includes the counter rows (entity ids and
 * invoice numbers, which serialize the calls of one business exactly as the application's
 * gapless counters do); `baseline_without_counters_*` leaves them out.
 *
 * Each call invoices 100 fresh orders of 3 lines (pushed beforehand through POST /bulk/orders).
 *
 * Options:
 *   --calls N         calls measured at full concurrency; each baseline runs as many transactions (default 48)
 *   --c1-calls N      calls at concurrency 1, for latency (default 8)
 *   --concurrency N   concurrent clients / baseline workers (default 8)
 *   --orders N        orders per call (default 100)
 *   --profile         afterwards, trace the statements of 10 sequential calls (stderr)
 *   --drafts          send "finalize": false (no number, no ledger); the baseline writes drafts too
 *   --db both|postgresql|pglite   (default both)
 *   --pg-url URL      PostgreSQL server (default $BENCH_PG_URL or postgres://postgres@127.0.0.1:5432/test);
 *                     the database used is $BENCH_DATABASE (default billow_bench), wiped first
 *
 * stdout: one JSON object per database. stderr: progress.
 */
import { performance } from 'node:perf_hooks';
import { startServer } from '../src/server.ts';
import { type Args, flag, numberOption, parseArgs, stringOption } from './lib/args.ts';
import { createFixture, type Fixture } from './lib/fixture.ts';
import { HttpClient } from './lib/http.ts';
import { type BenchOrder, baselineCall, kyselyRunners, pgRunners, type TransactionRunner } from './lib/orders-baseline.ts';
import { percentile, round } from './lib/stats.ts';
import { statementProfile } from './lib/trace.ts';
import { ADMIN_TOKEN, benchServerConfig, reachableDatabases, type Target, withTarget } from './lib/targets.ts';

const LINES = 3;
const STATES = ['IN-MH', 'IN-KA'];

interface Options {
  calls: number;
  c1Calls: number;
  concurrency: number;
  perCall: number;
  finalize: boolean;
  profile: boolean;
  databases: ('postgresql' | 'pglite')[];
  pgUrl: string;
}

const log = (message: string) => process.stderr.write(`[bench orders] ${message}\n`);

function options(args: Args): Options {
  const db = stringOption(args, 'db', 'both');
  if (!['both', 'postgresql', 'pglite'].includes(db)) throw new Error(`--db must be both, postgresql or pglite, got '${db}'.`);
  return {
    calls: Math.floor(numberOption(args, 'calls', 48, 1)),
    c1Calls: Math.floor(numberOption(args, 'c1-calls', 8, 1)),
    concurrency: Math.floor(numberOption(args, 'concurrency', 8, 1)),
    perCall: Math.floor(numberOption(args, 'orders', 100, 1)),
    finalize: !flag(args, 'drafts'),
    profile: flag(args, 'profile'),
    databases: db === 'both' ? ['postgresql', 'pglite'] : [db as 'postgresql' | 'pglite'],
    pgUrl: stringOption(args, 'pg-url', process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test'),
  };
}

/** `count` orders of 3 auto-filled lines, pushed 50 at a time through POST /bulk/orders. */
async function pushOrders(client: HttpClient, fixture: Fixture, count: number, concurrency: number): Promise<BenchOrder[]> {
  const auth = { authorization: `Bearer ${fixture.token}` };
  const bodies: object[][] = [];
  for (let k = 0; k < count; k++) {
    const customer = fixture.customers[k % fixture.customers.length] as Fixture['customers'][number];
    const order = {
      customer_id: customer.id,
      currency: 'INR',
      place_of_supply: STATES[k % 2] as string,
      meta: { channel: 'web', shop_order: `S-${k}` },
      line_items: Array.from({ length: LINES }, (_, j) => ({ item_id: (fixture.items[(k * 7 + j * 3) % fixture.items.length] as Fixture['items'][number]).id, quantity: 1 + ((k + j) % 5) })),
    };
    if (k % 50 === 0) bodies.push([]);
    bodies[bodies.length - 1]?.push(order);
  }
  const orders: BenchOrder[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const response = await client.json('POST', '/bulk/orders', { orders: bodies[next++] }, auth, 200);
        for (const r of response.results) {
          if (!r.ok) throw new Error(`POST /bulk/orders: ${JSON.stringify(r.error)}`);
          const customer = fixture.customers.find((c) => c.id === r.order.customer_id) as Fixture['customers'][number];
          orders.push({ ...r.order, customer_name: customer.name });
        }
      }
    }),
  );
  return orders;
}

/** `concurrency` clients sending `calls` calls between them; each call invoices the next `perCall` orders. */
async function load(client: HttpClient, token: string, batches: string[][], concurrency: number, finalize: boolean) {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches.length) {
        const orderIds = batches[next++] as string[];
        const body = JSON.stringify(finalize ? { orderIds } : { orderIds, finalize: false });
        const t = performance.now();
        const res = await client.request('POST', '/invoices/bulk', body, { accesstoken: token });
        latencies.push(performance.now() - t);
        if (res.status !== 201 || !res.body.startsWith('{"success":true') || !res.body.includes(`"count":${orderIds.length}}`)) {
          throw new Error(`POST /invoices/bulk → ${res.status}: ${res.body.slice(0, 400)}`);
        }
      }
    }),
  );
  const invoices = batches.reduce((s, b) => s + b.length, 0);
  return { invoicesPerS: invoices / ((performance.now() - start) / 1000), latencies };
}

async function baseline(runners: TransactionRunner[], businessId: string, batches: BenchOrder[][], finalize: boolean, counters: boolean): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    runners.map(async (runner) => {
      while (next < batches.length) await runner.run(baselineCall(businessId, batches[next++] as BenchOrder[], finalize, counters));
    }),
  );
  return batches.reduce((s, b) => s + b.length, 0) / ((performance.now() - start) / 1000);
}

function chunk<T>(list: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));
}

async function benchOnce(target: Target, opts: Options) {
  const server = await startServer(benchServerConfig(target));
  const client = new HttpClient(server.url, opts.concurrency);
  try {
    const fixture = await createFixture(client, ADMIN_TOKEN);
    const warmupCalls = opts.concurrency;
    const profileCalls = opts.profile ? PROFILE_CALLS : 0;
    const needed = (warmupCalls + 3 * opts.calls + opts.c1Calls + profileCalls) * opts.perCall;
    log(`${target.name}: pushing ${needed} orders × ${LINES} lines through POST /bulk/orders`);
    const orders = await pushOrders(client, fixture, needed, opts.concurrency);
    const batches = chunk(orders, opts.perCall);
    const ids = (list: BenchOrder[][]) => list.map((b) => b.map((o) => o.id));
    const warm = batches.slice(0, warmupCalls);
    const forBaseline = batches.slice(warmupCalls, warmupCalls + opts.calls);
    const forPlain = batches.slice(warmupCalls + opts.calls, warmupCalls + 2 * opts.calls);
    const forApp = batches.slice(warmupCalls + 2 * opts.calls, warmupCalls + 3 * opts.calls);
    const forC1 = batches.slice(warmupCalls + 3 * opts.calls, warmupCalls + 3 * opts.calls + opts.c1Calls);
    await load(client, fixture.token, ids(warm), opts.concurrency, opts.finalize);

    // The baseline runs first, on the smaller tables: the ratio errs on the conservative side.
    log(`${target.name}: baselines, ${opts.calls} transactions × ${opts.concurrency} workers, with and without the counter rows`);
    const runners = target.databaseUrl ? await pgRunners(target.databaseUrl, opts.concurrency) : kyselyRunners(server.database.db, opts.concurrency);
    let baselinePerS: number;
    let plainPerS: number;
    try {
      baselinePerS = await baseline(runners, fixture.businessId, forBaseline, opts.finalize, true);
      plainPerS = await baseline(runners, fixture.businessId, forPlain, opts.finalize, false);
    } finally {
      await Promise.all(runners.map((r) => r.close()));
    }
    log(`${target.name}: ${opts.calls} calls × ${opts.concurrency} clients`);
    const a = await load(client, fixture.token, ids(forApp), opts.concurrency, opts.finalize);
    log(`${target.name}: ${opts.c1Calls} calls at concurrency 1`);
    const b = await load(client, fixture.token, ids(forC1), 1, opts.finalize);
    if (opts.profile) await profile(target, client, fixture.token, ids(batches.slice(-profileCalls)), opts.finalize);
    return {
      database: target.name,
      finalize: opts.finalize,
      orders_per_call: opts.perCall,
      lines_per_order: LINES,
      concurrency: opts.concurrency,
      calls: opts.calls,
      invoices_per_s: round(a.invoicesPerS, 0),
      p50_ms: round(percentile(a.latencies, 50)),
      p99_ms: round(percentile(a.latencies, 99)),
      c1_p50_ms: round(percentile(b.latencies, 50)),
      c1_p99_ms: round(percentile(b.latencies, 99)),
      baseline_invoices_per_s: round(baselinePerS, 0),
      ratio: round(a.invoicesPerS / baselinePerS, 2),
      baseline_without_counters_invoices_per_s: round(plainPerS, 0),
      ratio_without_counters: round(a.invoicesPerS / plainPerS, 2),
    };
  } finally {
    client.close();
    await server.stop();
  }
}

const PROFILE_CALLS = 10;

/** Statements per call and time in the database, observed at the driver, over sequential calls. */
async function profile(target: Target, client: HttpClient, token: string, batches: string[][], finalize: boolean): Promise<void> {
  const summary = { database: target.name, ...(await statementProfile(batches.length, (i) => load(client, token, [batches[i] as string[]], 1, finalize))) };
  log(`profile: ${JSON.stringify(summary, null, 1)}`);
}

export async function main(argv: string[]): Promise<void> {
  const opts = options(parseArgs(argv));
  for (const name of await reachableDatabases(opts.databases, opts.pgUrl)) {
    process.stdout.write(`${JSON.stringify(await withTarget(name, opts.pgUrl, (target) => benchOnce(target, opts)))}\n`);
  }
}
