/**
 * `npm run bench -- bulk [options]` — POST /bulk/invoices through the real HTTP server
 * (in-process, loopback) against PostgreSQL (when it answers) and on-disk PGlite, compared
 * with plain multi-row INSERTs of the same rows through the same driver.
 *
 * Options:
 *   --seconds N         duration of the throughput phase and of the baseline (default 10)
 *   --c1-seconds N      duration of the sequential (concurrency 1) latency phase (default 5)
 *   --warmup N          seconds of warm-up load before measuring (default 2)
 *   --concurrency N     concurrent clients / baseline workers (default 8)
 *   --db both|postgresql|pglite   (default both)
 *   --pg-url URL        PostgreSQL server (default $BENCH_PG_URL or postgres://postgres@127.0.0.1:5432/test);
 *                       the bench uses its own database `billow_bench` on that server
 *   --runs N            repeat everything N times on fresh databases; stdout gets the per-field
 *                       medians, ratio recomputed from them (default 1); each run goes to stderr
 *   --approve           send auto_approve: true (number + ledger); the baseline stays 4 rows/invoice
 *   --profile           after measuring, trace statements and CPU-profile 40 sequential calls (stderr)
 *   --wait-idle N       before each run, wait up to N s for the machine to be < 20% busy (default 30)
 *   --sql FILE          run this SQL script after the migrations (to try a schema or trigger change
 *                       without editing src/)
 *   --webhook           register one endpoint subscribed to "*" with a loopback receiver (in this
 *                       process). On PostgreSQL a `billow worker` process delivers (the API runs
 *                       with WORKERS=false, as a scaled-out deployment would); on PGlite, which one
 *                       process owns, the server's in-process worker does. Delivery runs while the
 *                       load runs, on the same 2 cores. Adds
 *                       deliveries/s during the throughput phase, commit-to-receipt p50/p99, and
 *                       lost / duplicate counts once every event of the run has arrived
 *   --deliver-after     with --webhook: nothing delivers until the measured phases end (then the
 *                       worker starts: a `billow worker` process on PostgreSQL, in-process workers
 *                       on PGlite). The endpoint is subscribed throughout, so every call marks its
 *                       batch and enqueues the drain job as usual: this measures the write path
 *                       apart from the delivery work that would otherwise share the 2 cores.
 *                       deliveries/s is then taken from the worker's start to the last receipt
 *
 * stdout: one JSON object per database. stderr: progress, per-run results, profile.
 */
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { type RunningServer, startServer } from '../src/server.ts';
import { type Args, flag, numberOption, parseArgs, stringOption } from './lib/args.ts';
import { sql } from 'kysely';
import { type BatchWriter, baselineStatements, kyselyWriters, pgWriters, runBaseline } from './lib/baseline.ts';
import type { Config } from '../src/config.ts';
import { jobHandlers } from '../src/jobs/handlers.ts';
import { startWorkers } from '../src/jobs/runner.ts';
import { ratePerS, ReceiverProcess } from './lib/receiver.ts';
import { startWorker } from './lib/workers.ts';
import { bulkBodies, createFixture, type Fixture } from './lib/fixture.ts';
import { HttpClient } from './lib/http.ts';
import { cpuProfile, phaseBreakdown, summarize } from './lib/profile.ts';
import { costPer, sampleCosts } from './lib/costs.ts';
import { CpuMeter, median, percentile, round, waitForIdle } from './lib/stats.ts';
import { ADMIN_TOKEN, benchServerConfig, reachableDatabases, type Target, withTarget } from './lib/targets.ts';
import { statementProfile } from './lib/trace.ts';

const SHAPE = { invoices: 50, lines: 3 };
const BODY_VARIANTS = 16;

interface Options {
  seconds: number;
  c1Seconds: number;
  warmup: number;
  concurrency: number;
  databases: ('postgresql' | 'pglite')[];
  pgUrl: string;
  runs: number;
  approve: boolean;
  profile: boolean;
  waitIdle: number;
  sql: string | undefined;
  webhook: boolean;
  deliverAfter: boolean;
}

/** With --webhook: what the subscribed endpoint received. */
export interface WebhookResult {
  /** Whether delivery ran during the measured phases or started after them (--deliver-after). */
  delivery: 'during' | 'after';
  events: number;
  delivered: number;
  lost: number;
  duplicates: number;
  deliveries_per_s: number;
  commit_to_receipt_p50_ms: number;
  commit_to_receipt_p99_ms: number;
  drain_s_after_load: number;
}

export interface BulkResult {
  database: string;
  seconds: number;
  concurrency: number;
  invoices_per_s: number;
  calls: number;
  p50_ms: number;
  p99_ms: number;
  c1_p50_ms: number;
  c1_p99_ms: number;
  baseline_invoices_per_s: number;
  ratio: number;
  webhook?: WebhookResult;
}

const log = (message: string) => process.stderr.write(`[bench bulk] ${message}\n`);

function options(args: Args): Options {
  const db = stringOption(args, 'db', 'both');
  if (!['both', 'postgresql', 'pglite'].includes(db)) throw new Error(`--db must be both, postgresql or pglite, got '${db}'.`);
  return {
    seconds: numberOption(args, 'seconds', 10, 0.5),
    c1Seconds: numberOption(args, 'c1-seconds', 5, 0.5),
    warmup: numberOption(args, 'warmup', 2, 0),
    concurrency: Math.floor(numberOption(args, 'concurrency', 8, 1)),
    databases: db === 'both' ? ['postgresql', 'pglite'] : [db as 'postgresql' | 'pglite'],
    pgUrl: stringOption(args, 'pg-url', process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test'),
    runs: Math.floor(numberOption(args, 'runs', 1, 1)),
    approve: flag(args, 'approve'),
    profile: flag(args, 'profile'),
    waitIdle: numberOption(args, 'wait-idle', 30, 0),
    sql: args.options.has('sql') ? stringOption(args, 'sql', '') : undefined,
    webhook: flag(args, 'webhook'),
    deliverAfter: flag(args, 'deliver-after'),
  };
}

// ---------------------------------------------------------------------------------------
// HTTP load

interface LoadResult {
  calls: number;
  invoices: number;
  elapsedS: number;
  latencies: number[];
  responseBytes: number;
}

const SUMMARY = /"summary":\{"total":(\d+),"succeeded":(\d+),"failed":(\d+)\}/;

/** One POST /bulk/invoices; throws unless every invoice of the batch was created. */
async function bulkCall(client: HttpClient, token: string, body: string): Promise<{ ms: number; bytes: number; created: number }> {
  const start = performance.now();
  const res = await client.request('POST', '/bulk/invoices', body, { authorization: `Bearer ${token}` });
  const ms = performance.now() - start;
  const summary = SUMMARY.exec(res.body.slice(0, 300));
  if (res.status !== 200 || !summary || summary[1] !== summary[2]) {
    throw new Error(`POST /bulk/invoices → ${res.status}: ${res.body.slice(0, 600)}`);
  }
  return { ms, bytes: res.body.length, created: Number(summary[2]) };
}

/** `concurrency` clients each sending calls back to back until `seconds` have passed. */
async function load(client: HttpClient, token: string, bodies: string[], concurrency: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let responseBytes = 0;
  let invoices = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const call = await bulkCall(client, token, bodies[next++ % bodies.length] as string);
        latencies.push(call.ms);
        responseBytes += call.bytes;
        invoices += call.created;
      }
    }),
  );
  const elapsedS = (performance.now() - start) / 1000;
  return { calls: latencies.length, invoices, elapsedS, latencies, responseBytes };
}

// ---------------------------------------------------------------------------------------
// One database, one run


async function baselineWriters(target: Target, server: RunningServer, opts: Options): Promise<BatchWriter[]> {
  const statements = baselineStatements(SHAPE.invoices, SHAPE.lines);
  if (target.databaseUrl) return pgWriters(target.databaseUrl, opts.concurrency, statements);
  // PGlite is one session: the baseline shares the server's Database (idle meanwhile) and its lock.
  return kyselyWriters(server.database.db, opts.concurrency, statements);
}

async function measureBaseline(target: Target, server: RunningServer, fixture: Fixture, opts: Options) {
  const writers = await baselineWriters(target, server, opts);
  const local = target.databaseUrl !== undefined;
  try {
    if (opts.warmup > 0) await runBaseline(writers, fixture, Math.min(1, opts.warmup), SHAPE);
    const before = await sampleCosts(server.database.db, local);
    const result = await runBaseline(writers, fixture, opts.seconds, SHAPE);
    // Sampled before the writers close: their backends must still exist.
    const costs = costPer(before, await sampleCosts(server.database.db, local), result.transactions, local);
    return { ...result, costs };
  } finally {
    await Promise.all(writers.map((w) => w.close()));
  }
}

/** Registers the business's endpoint for every event, delivering to the receiver. */
async function subscribe(client: HttpClient, fixture: Fixture, receiver: ReceiverProcess): Promise<void> {
  const url = await receiver.start();
  await client.json('POST', '/api/v1/webhook-endpoints', { url, events: ['*'] }, { authorization: `Bearer ${fixture.token}` }, 201);
}

async function eventCount(server: RunningServer, fixture: Fixture): Promise<number> {
  const counted = await sql<{ n: number }>`
    select coalesce(sum(cardinality(types)), 0)::int as n from event_batches where business_id = ${fixture.businessId}`.execute(server.database.db);
  return counted.rows[0]?.n ?? 0;
}

/**
 * Waits until every event of the business arrived (at most 5 minutes), then sums up.
 * `deliveredFrom`: when delivery started after the load (--deliver-after), else undefined.
 */
async function webhookResult(
  server: RunningServer,
  fixture: Fixture,
  receiver: ReceiverProcess,
  phase: { start: number; end: number },
  deliveredFrom: number | undefined,
): Promise<WebhookResult> {
  const events = await eventCount(server, fixture);
  log(`webhook: waiting for ${events} events (${(await receiver.snapshot()).unique} arrived so far)`);
  const got = await receiver.waitFor(events, 300_000);
  const receivedAt = got.receivedAt ?? [];
  const latencies = got.latencies ?? [];
  const last = Math.max(...receivedAt);
  return {
    delivery: deliveredFrom === undefined ? 'during' : 'after',
    events,
    delivered: got.unique,
    lost: events - got.unique,
    duplicates: got.duplicates,
    deliveries_per_s: deliveredFrom === undefined ? ratePerS(receivedAt, phase.start, phase.end) : ratePerS(receivedAt, deliveredFrom, last),
    commit_to_receipt_p50_ms: round(percentile(latencies, 50)),
    commit_to_receipt_p99_ms: round(percentile(latencies, 99)),
    drain_s_after_load: round((last - phase.end) / 1000),
  };
}

function webhookEnv(target: Target, opts: Options): Record<string, string> {
  if (!opts.webhook) return {};
  return { WEBHOOK_ALLOW_PRIVATE: 'true', ...(target.databaseUrl || opts.deliverAfter ? { WORKERS: 'false' } : {}) };
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Delivery the bench server does not run itself (WORKERS=false): a `billow worker` process on PostgreSQL, in-process workers on PGlite. Resolves with a stop function. */
async function startDelivery(target: Target, server: RunningServer, config: Config): Promise<() => Promise<void>> {
  if (target.databaseUrl) {
    const worker = await startWorker(target.databaseUrl);
    return async () => void worker.kill('SIGTERM');
  }
  const workers = await startWorkers({ database: server.database, config, handlers: jobHandlers(), log: quiet });
  return () => workers.stop();
}

async function benchOnce(target: Target, opts: Options): Promise<BulkResult> {
  const config = benchServerConfig(target, webhookEnv(target, opts));
  const server = await startServer(config);
  const client = new HttpClient(server.url, opts.concurrency);
  const receiver = new ReceiverProcess();
  let stopDelivery: (() => Promise<void>) | undefined;
  try {
    // PostgreSQL: a worker process delivers alongside (PGlite: the server's own workers do).
    if (opts.webhook && !opts.deliverAfter && target.databaseUrl) stopDelivery = await startDelivery(target, server, config);
    if (opts.sql) {
      log(`${target.name}: applying ${opts.sql}`);
      await server.database.exec(fs.readFileSync(opts.sql, 'utf8'));
    }
    log(`${target.name}: server on ${server.url}; creating business, 20 customers, 20 items`);
    const fixture = await createFixture(client, ADMIN_TOKEN);
    if (opts.webhook) await subscribe(client, fixture, receiver);
    const bodies = bulkBodies(fixture, BODY_VARIANTS, SHAPE.invoices, SHAPE.lines, opts.approve);
    if (opts.warmup > 0) await load(client, fixture.token, bodies, opts.concurrency, opts.warmup);
    // Delivery during the load: the warm-up's events are delivered first, not while the baseline runs.
    if (opts.webhook && !opts.deliverAfter) await receiver.waitFor(await eventCount(server, fixture), 120_000);

    // The baseline runs first, on the smaller tables: the ratio errs on the conservative side.
    log(`${target.name}: baseline, plain multi-row INSERTs × ${opts.concurrency} workers, ${opts.seconds} s`);
    const baseline = await measureBaseline(target, server, fixture, opts);

    log(`${target.name}: throughput, ${opts.concurrency} clients, ${opts.seconds} s`);
    const local = target.databaseUrl !== undefined;
    const cpu = await CpuMeter.start();
    const before = await sampleCosts(server.database.db, local);
    const phase = { start: Date.now(), end: 0 };
    const a = await load(client, fixture.token, bodies, opts.concurrency, opts.seconds);
    phase.end = Date.now();
    const appCosts = costPer(before, await sampleCosts(server.database.db, local), a.calls, local);
    const usage = await cpu.stop();

    log(`${target.name}: latency at concurrency 1, ${opts.c1Seconds} s`);
    const b = await load(client, fixture.token, bodies, 1, opts.c1Seconds);

    const invoicesPerS = a.invoices / a.elapsedS;
    log(
      `${target.name}: ${a.calls} calls, ${round(a.responseBytes / a.calls / 1024)} KiB per response, ` +
        `node CPU ${usage.node_cpu_pct}% of one core, machine CPU ${usage.machine_cpu_pct}% of ${os.cpus().length} cores; ` +
        `baseline ${baseline.transactions} transactions`,
    );
    log(`${target.name}: cost per 50 invoices: app call ${JSON.stringify(appCosts)}, baseline transaction ${JSON.stringify(baseline.costs)}`);
    if (opts.profile) await profileCalls(target, client, fixture, bodies);
    let deliveredFrom: number | undefined;
    if (opts.webhook && opts.deliverAfter) {
      deliveredFrom = Date.now();
      stopDelivery = await startDelivery(target, server, config);
    }
    const webhook = opts.webhook ? await webhookResult(server, fixture, receiver, phase, deliveredFrom) : undefined;
    return {
      database: target.name,
      seconds: opts.seconds,
      concurrency: opts.concurrency,
      invoices_per_s: round(invoicesPerS, 0),
      calls: a.calls,
      p50_ms: round(percentile(a.latencies, 50)),
      p99_ms: round(percentile(a.latencies, 99)),
      c1_p50_ms: round(percentile(b.latencies, 50)),
      c1_p99_ms: round(percentile(b.latencies, 99)),
      baseline_invoices_per_s: round(baseline.invoices_per_s, 0),
      ratio: round(invoicesPerS / baseline.invoices_per_s, 2),
      ...(webhook ? { webhook } : {}),
    };
  } finally {
    await stopDelivery?.();
    client.close();
    receiver.stop();
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------
// Profile: where one 50-invoice call spends its time

const PROFILE_CALLS = Number(process.env.BENCH_PROFILE_CALLS ?? 40);

async function profileCalls(target: Target, client: HttpClient, fixture: Fixture, bodies: string[]): Promise<void> {
  // 1. Statements per call, observed at the driver (round trips, time in the database).
  const trace = { database: target.name, ...(await statementProfile(PROFILE_CALLS, (i) => bulkCall(client, fixture.token, bodies[i % bodies.length] as string))) };
  process.stderr.write(`[bench bulk] profile (statements): ${JSON.stringify(trace, null, 1)}\n`);

  // 2. CPU profile of this thread over the same number of calls.
  const { profile } = await cpuProfile(async () => {
    for (let i = 0; i < PROFILE_CALLS; i++) await bulkCall(client, fixture.token, bodies[i % bodies.length] as string);
  });
  const summary = summarize(profile, 25);
  process.stderr.write(`[bench bulk] profile (CPU, ${target.name}, ${PROFILE_CALLS} calls): ${JSON.stringify(summary, null, 1)}\n`);
  const phases = phaseBreakdown(profile, PROFILE_CALLS);
  process.stderr.write(`[bench bulk] profile (CPU by part of the request path, ${target.name}): ${JSON.stringify(phases, null, 1)}\n`);
}

// ---------------------------------------------------------------------------------------

/** Median of each measured field over the runs; the ratio is recomputed from the medians. */
function medianResult(results: BulkResult[]): BulkResult {
  const first = results[0] as BulkResult;
  const pick = (key: keyof BulkResult) => median(results.map((r) => r[key] as number));
  const invoicesPerS = pick('invoices_per_s');
  const baseline = pick('baseline_invoices_per_s');
  return {
    database: first.database,
    seconds: first.seconds,
    concurrency: first.concurrency,
    invoices_per_s: invoicesPerS,
    calls: pick('calls'),
    p50_ms: pick('p50_ms'),
    p99_ms: pick('p99_ms'),
    c1_p50_ms: pick('c1_p50_ms'),
    c1_p99_ms: pick('c1_p99_ms'),
    baseline_invoices_per_s: baseline,
    ratio: round(invoicesPerS / baseline, 2),
    ...(first.webhook ? { webhook: medianWebhook(results.map((r) => r.webhook as WebhookResult)) } : {}),
  };
}

function medianWebhook(results: WebhookResult[]): WebhookResult {
  const pick = (key: Exclude<keyof WebhookResult, 'delivery'>) => median(results.map((r) => r[key]));
  return {
    delivery: (results[0] as WebhookResult).delivery,
    events: pick('events'),
    delivered: pick('delivered'),
    // Losses and duplicates are summed: one in any run matters.
    lost: results.reduce((sum, r) => sum + r.lost, 0),
    duplicates: results.reduce((sum, r) => sum + r.duplicates, 0),
    deliveries_per_s: pick('deliveries_per_s'),
    commit_to_receipt_p50_ms: pick('commit_to_receipt_p50_ms'),
    commit_to_receipt_p99_ms: pick('commit_to_receipt_p99_ms'),
    drain_s_after_load: pick('drain_s_after_load'),
  };
}

export async function main(argv: string[]): Promise<void> {
  const opts = options(parseArgs(argv));
  for (const name of await reachableDatabases(opts.databases, opts.pgUrl)) {
    const results: BulkResult[] = [];
    for (let run = 1; run <= opts.runs; run++) {
      if (opts.waitIdle > 0) {
        const busy = await waitForIdle(opts.waitIdle);
        log(`${name} run ${run}: machine ${busy}% busy before start (load average ${os.loadavg().map((l) => round(l, 2)).join(' ')})`);
      }
      const result = await withTarget(name, opts.pgUrl, (target) => benchOnce(target, { ...opts, profile: opts.profile && run === opts.runs }));
      results.push(result);
      if (opts.runs > 1) log(`run ${run}/${opts.runs}: ${JSON.stringify(result)}`);
    }
    process.stdout.write(`${JSON.stringify(opts.runs > 1 ? medianResult(results) : results[0])}\n`);
  }
}
