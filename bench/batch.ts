/**
 * `npm run bench -- batch [options]` — POST /api/v1/invoices/batch (seeds/004) through the
 * real HTTP server: 100-invoice batches with include_delayed_charges, every customer holding
 * 5 pending delayed charges, 8 concurrent clients, on PostgreSQL (when it answers) and on-disk
 * PGlite. Baseline, measured in the same run through the same driver: plain multi-row
 * INSERTs of the same rows (100 invoices, each with 1 + 5 lines) in one transaction.
 *
 * The load goes in rounds: before each round, untimed, one SQL statement records 5 pending
 * charges for every customer; then each client sends one batch for its own 100 customers, all
 * at once, and only that phase is timed. Each client owns its customers, so batches sweep
 * disjoint charges, as a real billing run split over workers would.
 *
 * Options:
 *   --seconds N       timed seconds of batch calls, and of the baseline (default 10)
 *   --concurrency N   clients / baseline workers (default 8)
 *   --items N         invoices per batch (default 100)
 *   --charges N       pending charges per customer per round (default 5)
 *   --finalize        send finalize: true (number + ledger); the baseline stays drafts
 *   --db both|postgresql|pglite   (default both)
 *   --pg-url URL      PostgreSQL server (default $BENCH_PG_URL or postgres://postgres@127.0.0.1:5432/test);
 *                     the bench uses the database $BENCH_DATABASE (default billow_bench) there
 *   --wait-idle N     before each database, wait up to N s for the machine to be < 20% busy (default 30)
 *   --profile         afterwards, trace the statements of 8 sequential sweeping calls, then CPU-profile 8 more
 *                     and print where Node's time goes (stderr)
 *
 * stdout: one JSON object per database. stderr: progress.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { uuidv7 } from '../src/ids.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { type Args, flag, numberOption, parseArgs, stringOption } from './lib/args.ts';
import { type BatchWriter, baselineStatements, kyselyWriters, pgWriters, runBaseline } from './lib/baseline.ts';
import { createFixture, type Fixture } from './lib/fixture.ts';
import { HttpClient } from './lib/http.ts';
import { cpuProfile, phaseBreakdown } from './lib/profile.ts';
import { statementProfile } from './lib/trace.ts';
import { CpuMeter, percentile, round, waitForIdle } from './lib/stats.ts';
import { ADMIN_TOKEN, benchServerConfig, reachableDatabases, type Target, withTarget } from './lib/targets.ts';

interface Options {
  seconds: number;
  concurrency: number;
  items: number;
  charges: number;
  finalize: boolean;
  databases: ('postgresql' | 'pglite')[];
  pgUrl: string;
  waitIdle: number;
  profile: boolean;
}

const log = (message: string) => process.stderr.write(`[bench batch] ${message}\n`);

function options(args: Args): Options {
  const db = stringOption(args, 'db', 'both');
  if (!['both', 'postgresql', 'pglite'].includes(db)) throw new Error(`--db must be both, postgresql or pglite, got '${db}'.`);
  return {
    seconds: numberOption(args, 'seconds', 10, 0.5),
    concurrency: Math.floor(numberOption(args, 'concurrency', 8, 1)),
    items: Math.floor(numberOption(args, 'items', 100, 1)),
    charges: Math.floor(numberOption(args, 'charges', 5, 0)),
    finalize: flag(args, 'finalize'),
    databases: db === 'both' ? ['postgresql', 'pglite'] : [db as 'postgresql' | 'pglite'],
    pgUrl: stringOption(args, 'pg-url', process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test'),
    waitIdle: numberOption(args, 'wait-idle', 30, 0),
    profile: flag(args, 'profile'),
  };
}

/** One request body per client: one invoice for each of its own customers, one line each. */
function batchBodies(fixture: Fixture, opts: Options): string[] {
  return Array.from({ length: opts.concurrency }, (_, c) => {
    const items = Array.from({ length: opts.items }, (_, i) => {
      const customer = fixture.customers[c * opts.items + i] as Fixture['customers'][number];
      const item = fixture.items[i % fixture.items.length] as Fixture['items'][number];
      return {
        customer_id: customer.id,
        due_date: '2099-01-31',
        description: `Billing run, client ${c}`,
        line_items: [{ description: 'Subscription', quantity: 1, unit_price: item.unit_price, item_id: item.id }],
      };
    });
    return JSON.stringify({ items, include_delayed_charges: true, finalize: opts.finalize });
  });
}

/** Untimed: `perCustomer` pending charges for every customer of the business, one statement. */
async function recordCharges(server: RunningServer, businessId: string, perCustomer: number): Promise<void> {
  // Ids as the API gives charges (UUIDv7, time-ordered), one customer's charges together.
  const customers = await sql<{ id: string }>`select id from customers where business_id = ${businessId} order by id`.execute(server.database.db);
  const charges = customers.rows.flatMap((c) => Array.from({ length: perCustomer }, (_, i) => ({ id: uuidv7(), customer_id: c.id, n: i + 1 })));
  await sql`
    insert into delayed_charges (business_id, id, customer_id, item_id, description, quantity, unit_price, currency, tax_rate, status, created_at, updated_at)
    select ${businessId}, r.id, r.customer_id, null, 'Usage ' || r.n, r.n, 1000 * r.n, 'INR', 18, 'pending', now(), now()
    from json_to_recordset(${JSON.stringify(charges)}::json) as r (id text, customer_id text, n int)`.execute(server.database.db);
}

const COUNT = /^\{"items":\[/;

async function batchCall(client: HttpClient, token: string, body: string, items: number): Promise<number> {
  const start = performance.now();
  const res = await client.request('POST', '/api/v1/invoices/batch', body, { authorization: `Bearer ${token}` });
  const ms = performance.now() - start;
  if (res.status !== 201 || !COUNT.test(res.body) || !res.body.endsWith(`"total":${items},"limit":${items},"next_cursor":null,"prev_cursor":null,"has_next":false,"has_prev":false}`)) {
    throw new Error(`POST /api/v1/invoices/batch → ${res.status}: ${res.body.slice(0, 600)}`);
  }
  return ms;
}

interface LoadResult {
  invoices: number;
  timedS: number;
  latencies: number[];
  rounds: number;
}

/** Rounds of (untimed charge recording, timed concurrent batches) until `seconds` of timed load. */
async function load(server: RunningServer, client: HttpClient, fixture: Fixture, bodies: string[], opts: Options, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let timedMs = 0;
  let rounds = 0;
  while (timedMs < seconds * 1000) {
    await recordCharges(server, fixture.businessId, opts.charges);
    const start = performance.now();
    latencies.push(...(await Promise.all(bodies.map((body) => batchCall(client, fixture.token, body, opts.items)))));
    timedMs += performance.now() - start;
    rounds++;
  }
  return { invoices: rounds * bodies.length * opts.items, timedS: timedMs / 1000, latencies, rounds };
}

/** Every charge recorded was swept exactly once: none pending, one invoice line each. */
async function checkSwept(server: RunningServer, businessId: string, expected: number): Promise<void> {
  const result = await sql<{ pending: number; invoiced: number; lines: number }>`
    select (select count(*) from delayed_charges where business_id = ${businessId} and status = 'pending')::int as pending,
           (select count(*) from delayed_charges where business_id = ${businessId} and status = 'invoiced')::int as invoiced,
           (select count(*) from invoice_lines where business_id = ${businessId} and name like 'Usage %')::int as lines`.execute(server.database.db);
  const row = result.rows[0];
  if (row?.pending !== 0 || row.invoiced !== expected || row.lines !== expected) {
    throw new Error(`sweep check failed: expected ${expected} charges invoiced once, got ${JSON.stringify(row)}`);
  }
}

const PROFILE_CALLS = 8;

/** Node CPU by part of the request path over sequential sweeping calls (charges recorded untimed). */
async function profileCalls(target: Target, server: RunningServer, client: HttpClient, fixture: Fixture, bodies: string[], opts: Options): Promise<void> {
  await recordCharges(server, fixture.businessId, opts.charges);
  const trace = await statementProfile(PROFILE_CALLS, (i) => batchCall(client, fixture.token, bodies[i % bodies.length] as string, opts.items));
  process.stderr.write(`[bench batch] profile (statements per ${opts.items}-invoice call, ${target.name}): ${JSON.stringify(trace, null, 1)}\n`);
  await recordCharges(server, fixture.businessId, opts.charges);
  const { profile } = await cpuProfile(async () => {
    for (let i = 0; i < PROFILE_CALLS; i++) await batchCall(client, fixture.token, bodies[i % bodies.length] as string, opts.items);
  });
  process.stderr.write(`[bench batch] profile (Node CPU per ${opts.items}-invoice call, ${target.name}): ${JSON.stringify(phaseBreakdown(profile, PROFILE_CALLS), null, 1)}\n`);
}

async function baselineWriters(target: Target, server: RunningServer, opts: Options): Promise<BatchWriter[]> {
  const statements = baselineStatements(opts.items, 1 + opts.charges);
  if (target.databaseUrl) return pgWriters(target.databaseUrl, opts.concurrency, statements);
  // PGlite is one session: the baseline shares the server's Database (idle meanwhile) and its lock.
  return kyselyWriters(server.database.db, opts.concurrency, statements);
}

async function benchDatabase(target: Target, opts: Options) {
  const server = await startServer(benchServerConfig(target));
  const client = new HttpClient(server.url, opts.concurrency);
  try {
    const customers = opts.concurrency * opts.items;
    log(`${target.name}: server on ${server.url}; creating business, ${customers} customers, 20 items`);
    const fixture = await createFixture(client, ADMIN_TOKEN, { customers, items: 20 });
    const bodies = batchBodies(fixture, opts);
    log(`${target.name}: warm-up round`);
    const warm = await load(server, client, fixture, bodies, opts, 0.001);

    log(`${target.name}: baseline, multi-row INSERTs of ${opts.items} invoices × ${1 + opts.charges} lines × ${opts.concurrency} workers, ${opts.seconds} s`);
    const writers = await baselineWriters(target, server, opts);
    const shape = { invoices: opts.items, lines: 1 + opts.charges };
    const baseline = await runBaseline(writers, fixture, opts.seconds, shape).finally(() => Promise.all(writers.map((w) => w.close())));

    log(`${target.name}: batches of ${opts.items} with ${opts.charges} charges per customer, ${opts.concurrency} clients, ${opts.seconds} s timed`);
    const cpu = await CpuMeter.start();
    const a = await load(server, client, fixture, bodies, opts, opts.seconds);
    const usage = await cpu.stop();
    await checkSwept(server, fixture.businessId, (warm.rounds + a.rounds) * customers * opts.charges);
    if (opts.profile) await profileCalls(target, server, client, fixture, bodies, opts);
    const invoicesPerS = a.invoices / a.timedS;
    log(`${target.name}: ${a.rounds} rounds, node CPU ${usage.node_cpu_pct}% of one core, machine CPU ${usage.machine_cpu_pct}% of ${os.cpus().length} cores`);
    return {
      database: target.name,
      seconds: round(a.timedS),
      concurrency: opts.concurrency,
      items_per_batch: opts.items,
      charges_per_customer: opts.charges,
      finalize: opts.finalize,
      calls: a.latencies.length,
      invoices_per_s: round(invoicesPerS, 0),
      charges_swept_per_s: round(invoicesPerS * opts.charges, 0),
      p50_ms: round(percentile(a.latencies, 50)),
      p99_ms: round(percentile(a.latencies, 99)),
      baseline_invoices_per_s: round(baseline.invoices_per_s, 0),
      ratio: round(invoicesPerS / baseline.invoices_per_s, 2),
      machine_cpu_pct: usage.machine_cpu_pct,
    };
  } finally {
    client.close();
    await server.stop();
  }
}

export async function main(argv: string[]): Promise<void> {
  const opts = options(parseArgs(argv));
  for (const name of await reachableDatabases(opts.databases, opts.pgUrl)) {
    if (opts.waitIdle > 0) log(`machine busy ${await waitForIdle(opts.waitIdle)}% before ${name}`);
    process.stdout.write(`${JSON.stringify(await withTarget(name, opts.pgUrl, (target) => benchDatabase(target, opts)))}\n`);
  }
}
