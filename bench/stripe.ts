/**
 * `npm run bench -- stripe [options]` — Stripe on PostgreSQL (issue 20), in two parts:
 *
 * 1. Push: `--invoices` invoices finalized through POST /bulk/invoices (auto_approve) by a
 *    business connected with push "on_finalize"; the in-process workers push them to the fake
 *    Stripe (scripts/fake-stripe.ts), which allows `--rate-limit` requests/s (Stripe's live
 *    limit, 100) and answers 429 + Retry-After beyond it. Reported: pushes/s, Stripe requests/s
 *    accepted ÷ the limit (the use of the rate budget), 429s, and exactly one Stripe invoice per
 *    Billow invoice (duplicates = Stripe invoices − Billow invoices pushed). Goal ≥ 0.9, 0.
 *    Baseline, same run: `--clients` raw keep-alive clients POSTing to the same fake as fast as
 *    it lets them for 10 s (retrying its 429s): the accepted requests/s the fake itself allows.
 *
 * 2. Inbound: `--events` signed invoice.paid events (10 % sent twice, shuffled) posted by
 *    `--clients` (8) clients to POST /webhooks/stripe/{business}; each links its invoice by
 *    metadata.billow_invoice_id and pays it. Reported: events/s and that exactly `--events`
 *    payments exist. Baseline, same run: the same number of POST /api/v1/invoices/{id}/payments
 *    (the payment use case without Stripe) by the same clients.
 *
 * Options: --invoices N (default 10000; each push is 3 Stripe calls, so 10,000 take ≥ 5 min),
 *   --events N (default 10000), --clients N (default 8), --rate-limit N (default 100),
 *   --pg-url URL (default $BENCH_PG_URL or postgres://postgres@127.0.0.1:5432/test; the bench
 *   uses the database $BENCH_DATABASE, default billow_bench), --timeout S (default 1800).
 *
 * stdout: one JSON object. stderr: progress.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { sql } from 'kysely';
import { type FakeStripe, signEvent, startFakeStripe, stripeEvent } from '../scripts/fake-stripe.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { type Args, numberOption, parseArgs, stringOption } from './lib/args.ts';
import { bulkBodies, createFixture, type Fixture } from './lib/fixture.ts';
import { HttpClient } from './lib/http.ts';
import { round } from './lib/stats.ts';
import { ADMIN_TOKEN, benchServerConfig, postgresTarget } from './lib/targets.ts';

const log = (message: string) => process.stderr.write(`[bench stripe] ${message}\n`);

interface Options {
  invoices: number;
  events: number;
  clients: number;
  rateLimit: number;
  pgUrl: string;
  timeoutS: number;
}

function options(args: Args): Options {
  return {
    invoices: Math.floor(numberOption(args, 'invoices', 10_000, 1)),
    events: Math.floor(numberOption(args, 'events', 10_000, 10)),
    clients: Math.floor(numberOption(args, 'clients', 8, 1)),
    rateLimit: Math.floor(numberOption(args, 'rate-limit', 100, 1)),
    pgUrl: stringOption(args, 'pg-url', process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test'),
    timeoutS: numberOption(args, 'timeout', 1800, 1),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items` with `clients` concurrent loops. */
async function inParallel<T>(items: T[], clients: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** Creates `count` finalized invoices in bulk calls of 50, four at a time; returns their ids. */
async function createInvoices(client: HttpClient, fixture: Fixture, count: number): Promise<string[]> {
  const auth = { authorization: `Bearer ${fixture.token}` };
  const bodies = bulkBodies(fixture, Math.ceil(count / 50), 50, 3, true).map((body, i) => {
    const size = Math.min(50, count - i * 50);
    return size === 50 ? body : JSON.stringify({ invoices: JSON.parse(body).invoices.slice(0, size) });
  });
  const ids: string[] = [];
  await inParallel(bodies, 4, async (body) => {
    const created = await client.json('POST', '/bulk/invoices', JSON.parse(body), auth, 200);
    if (created.summary.failed !== 0) throw new Error(`bulk create failed: ${JSON.stringify(created.results.find((r: { ok: boolean }) => !r.ok))}`);
    for (const r of created.results as { invoice: { id: string } }[]) ids.push(r.invoice.id);
  });
  return ids;
}

async function connect(client: HttpClient, fixture: Fixture, push: 'on_finalize' | 'manual'): Promise<string> {
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const body = { secret_key: `sk_test_${randomBytes(12).toString('hex')}`, webhook_secret: webhookSecret, push };
  await client.json('PUT', '/api/v1/integrations/stripe', body, { authorization: `Bearer ${fixture.token}` }, 200);
  return webhookSecret;
}

async function syncCounts(server: RunningServer, businessId: string): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }>`
    select status, count(*)::int as n from stripe_invoice_syncs where business_id = ${businessId} group by status`.execute(server.database.db);
  return Object.fromEntries(rows.rows.map((r) => [r.status, r.n]));
}

/** What the fake allows raw: `clients` keep-alive loops POSTing for `seconds`, waiting out each 429's Retry-After. */
async function rawBudget(fake: FakeStripe, clients: number, seconds: number): Promise<number> {
  const client = new HttpClient(fake.url, clients);
  const before = fake.requests.filter((r) => r.status === 200).length;
  const end = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < end) {
        const res = await client.request('POST', '/v1/customers', 'name=Raw', { 'content-type': 'application/x-www-form-urlencoded' });
        if (res.status === 429) await sleep(1000);
      }
    }),
  );
  client.close();
  return (fake.requests.filter((r) => r.status === 200).length - before) / ((Date.now() - started) / 1000);
}

async function pushPart(server: RunningServer, client: HttpClient, fake: FakeStripe, opts: Options) {
  const fixture = await createFixture(client, ADMIN_TOKEN);
  await connect(client, fixture, 'on_finalize');
  log(`finalizing ${opts.invoices} invoices in bulk; the workers push them at ≤ ${opts.rateLimit} requests/s`);
  const requestsBefore = fake.requests.length;
  const started = performance.now();
  const ids = await createInvoices(client, fixture, opts.invoices);
  const createdS = (performance.now() - started) / 1000;
  const deadline = Date.now() + opts.timeoutS * 1000;
  let counts: Record<string, number> = {};
  for (;;) {
    counts = await syncCounts(server, fixture.businessId);
    const done = (counts.synced ?? 0) + (counts.failed ?? 0);
    if (done >= ids.length) break;
    if (Date.now() > deadline) throw new Error(`pushes not done after ${opts.timeoutS} s: ${JSON.stringify(counts)}`);
    log(`  ${done}/${ids.length} pushed, ${fake.rateLimited()} answered 429 so far`);
    await sleep(5000);
  }
  const elapsedS = (performance.now() - started) / 1000;
  const requests = fake.requests.slice(requestsBefore);
  const accepted = requests.filter((r) => r.status !== 429).length;
  const stripeInvoices = [...fake.invoices.values()].filter((i) => i.metadata.billow_business_id === fixture.businessId);
  const perBillow = new Map<string, number>();
  for (const i of stripeInvoices) perBillow.set(i.metadata.billow_invoice_id, (perBillow.get(i.metadata.billow_invoice_id) ?? 0) + 1);
  const linked = await sql<{ n: number }>`
    select count(*)::int as n from invoices where business_id = ${fixture.businessId} and stripe_invoice_id is not null`.execute(server.database.db);
  return {
    invoices: ids.length,
    synced: counts.synced ?? 0,
    failed: counts.failed ?? 0,
    create_s: round(createdS),
    elapsed_s: round(elapsedS),
    pushes_per_s: round(ids.length / elapsedS),
    stripe_requests: requests.length,
    stripe_requests_accepted: accepted,
    stripe_429s: requests.length - accepted,
    calls_per_invoice: round(accepted / ids.length, 2),
    accepted_requests_per_s: round(accepted / elapsedS),
    rate_budget_use: round(accepted / elapsedS / opts.rateLimit, 3),
    stripe_invoices: stripeInvoices.length,
    duplicates: stripeInvoices.length - perBillow.size,
    billow_invoices_linked: linked.rows[0]?.n ?? 0,
  };
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

async function inboundPart(server: RunningServer, client: HttpClient, opts: Options) {
  const fixture = await createFixture(client, ADMIN_TOKEN);
  const secret = await connect(client, fixture, 'manual');
  log(`creating ${2 * opts.events} invoices (half paid by Stripe events, half through the payments route)`);
  const ids = await createInvoices(client, fixture, 2 * opts.events);
  const totals = await sql<{ id: string; total: number }>`
    select id, total from invoices where business_id = ${fixture.businessId}`.execute(server.database.db);
  const totalOf = new Map(totals.rows.map((r) => [r.id, Number(r.total)]));
  const [viaStripe, viaApi] = [ids.slice(0, opts.events), ids.slice(opts.events)];
  const events = viaStripe.map((id, i) =>
    JSON.stringify(stripeEvent('invoice.paid', { id: `in_bench${i}`, object: 'invoice', status: 'paid', amount_paid: totalOf.get(id), metadata: { billow_invoice_id: id } }, `evt_bench${i}`)),
  );
  const sends = shuffle([...events, ...events.slice(0, Math.floor(opts.events / 10))]);
  const path = `/webhooks/stripe/${fixture.businessId}`;
  const outcomes = new Map<string, number>();
  log(`posting ${sends.length} signed invoice.paid events (${sends.length - events.length} twice) with ${opts.clients} clients`);
  const started = performance.now();
  await inParallel(sends, opts.clients, async (payload) => {
    const res = await client.request('POST', path, payload, { 'stripe-signature': signEvent(payload, secret) });
    if (res.status !== 200) throw new Error(`event → ${res.status}: ${res.body.slice(0, 300)}`);
    const outcome = JSON.parse(res.body).outcome as string;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  });
  const eventsS = (performance.now() - started) / 1000;
  log(`baseline: ${viaApi.length} POST /api/v1/invoices/{id}/payments with ${opts.clients} clients`);
  const auth = { authorization: `Bearer ${fixture.token}` };
  const baseStarted = performance.now();
  await inParallel(viaApi, opts.clients, async (id) => {
    await client.json('POST', `/api/v1/invoices/${id}/payments`, { amount: totalOf.get(id) }, auth, 201);
  });
  const baselineS = (performance.now() - baseStarted) / 1000;
  const payments = await sql<{ source: string; n: number }>`
    select source, count(*)::int as n from payments where business_id = ${fixture.businessId} group by source`.execute(server.database.db);
  const bySource = Object.fromEntries(payments.rows.map((r) => [r.source, r.n]));
  const eventsPerS = sends.length / eventsS;
  const baselinePerS = viaApi.length / baselineS;
  return {
    events_posted: sends.length,
    distinct_events: events.length,
    outcomes: Object.fromEntries(outcomes),
    events_per_s: round(eventsPerS),
    stripe_payments: bySource.stripe ?? 0,
    baseline_payments_per_s: round(baselinePerS),
    ratio_to_baseline: round(eventsPerS / baselinePerS, 2),
  };
}

export async function main(argv: string[]): Promise<void> {
  const opts = options(parseArgs(argv));
  const fake = await startFakeStripe({ rateLimit: opts.rateLimit });
  const target = await postgresTarget(opts.pgUrl);
  const secretKey = randomBytes(32).toString('base64');
  const server = await startServer(benchServerConfig(target, { STRIPE_API_URL: fake.url, BILLOW_SECRET_KEY: secretKey }));
  const client = new HttpClient(server.url, Math.max(8, opts.clients));
  try {
    const loadBefore = os.loadavg();
    log('baseline: raw requests to the fake for 10 s');
    const raw = await rawBudget(fake, 16, 10);
    const push = await pushPart(server, client, fake, opts);
    const inbound = await inboundPart(server, client, opts);
    const result = {
      bench: 'stripe',
      database: 'postgresql',
      rate_limit: opts.rateLimit,
      stripe_requests_per_second_setting: server.app.deps.config.stripeRequestsPerSecond,
      baseline_raw_accepted_per_s: round(raw),
      push: { ...push, ratio_to_raw_baseline: round(push.accepted_requests_per_s / raw, 3) },
      inbound,
      loadavg_before: loadBefore.map((l) => round(l, 2)),
      loadavg_after: os.loadavg().map((l) => round(l, 2)),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    client.close();
    await server.stop();
    await fake.close();
    await target.cleanup();
  }
}
