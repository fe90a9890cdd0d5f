/**
 * `npm run bench -- webhooks [options]` — webhook delivery throughput on PostgreSQL: events are
 * created through POST /bulk/invoices while no worker runs, then `--workers` `billow worker`
 * processes deliver them to a loopback receiver. Goal (issue 10): ≥ 2,000 deliveries/s, none
 * lost, none twice.
 *
 * Options:
 *   --events N        INVOICE_CREATED events to deliver (default 100000)
 *   --endpoints N     businesses, each with one endpoint subscribed to INVOICE_CREATED (default 4);
 *                     an endpoint is sent one event at a time, in order, so endpoints are the unit
 *                     of parallelism
 *   --workers N       `billow worker` processes (default 2)
 *   --pg-url URL      PostgreSQL server (default $BENCH_PG_URL or postgres://postgres@127.0.0.1:5432/test);
 *                     the bench uses the database $BENCH_DATABASE (default billow_bench)
 *   --timeout N       seconds to wait for every delivery (default 600)
 *
 * Baseline, in the same run: the same number of keep-alive senders (one per endpoint), in one
 * process of their own, POSTing a 2 KB body to the same receiver back to back for 5 s, with no
 * database and no signing: what the loopback HTTP path alone allows on this machine now.
 *
 * stdout: one JSON object. stderr: progress.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import { startServer } from '../src/server.ts';
import { type Args, numberOption, parseArgs, stringOption } from './lib/args.ts';
import { bulkBodies, createFixture, type Fixture } from './lib/fixture.ts';
import { HttpClient } from './lib/http.ts';
import { BenchReceiver } from './lib/receiver.ts';
import { round } from './lib/stats.ts';
import { ADMIN_TOKEN, benchServerConfig, postgresAnswers, postgresTarget } from './lib/targets.ts';
import { startWorker } from './lib/workers.ts';

const log = (message: string) => process.stderr.write(`[bench webhooks] ${message}\n`);

interface Options {
  events: number;
  endpoints: number;
  workers: number;
  pgUrl: string;
  timeoutS: number;
}

function options(args: Args): Options {
  return {
    events: Math.floor(numberOption(args, 'events', 100_000, 50)),
    endpoints: Math.floor(numberOption(args, 'endpoints', 4, 1)),
    workers: Math.floor(numberOption(args, 'workers', 2, 1)),
    pgUrl: stringOption(args, 'pg-url', process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test'),
    timeoutS: numberOption(args, 'timeout', 600, 1),
  };
}

/**
 * The raw path, in a process of its own like the workers: one sequential keep-alive sender
 * per endpoint POSTing a 2 KB body, no database, no signing, for `seconds`.
 */
const RAW_SENDERS = `
import http from 'node:http';
const [url, senders, seconds] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true });
const body = JSON.stringify({ id: 'x', type: 'INVOICE_CREATED', data: 'x'.repeat(2000) });
const deadline = Date.now() + Number(seconds) * 1000;
let posts = 0;
const post = (i) => new Promise((resolve, reject) => {
  const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'webhook-id': 'raw-' + i + '-' + posts } }, (res) => { res.resume(); res.on('end', resolve); });
  req.on('error', reject);
  req.end(body);
});
await Promise.all(Array.from({ length: Number(senders) }, async (_, i) => { while (Date.now() < deadline) { await post(i); posts++; } }));
process.stdout.write(String(posts / Number(seconds)));
process.exit(0);
`;

function rawPosts(url: string, senders: number, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', RAW_SENDERS, url, String(senders), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`raw senders exited with ${code}`))));
  });
}

/** Creates the events: bulk calls of 50 invoices, 8 at a time, spread over the businesses. */
async function createEvents(client: HttpClient, fixtures: Fixture[], events: number): Promise<void> {
  const bodies = fixtures.map((f) => bulkBodies(f, 8, 50, 3, false));
  const calls = Math.ceil(events / 50);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < calls) {
        const n = next++;
        const f = fixtures[n % fixtures.length] as Fixture;
        const res = await client.request('POST', '/bulk/invoices', (bodies[n % fixtures.length] as string[])[n % 8] as string, { authorization: `Bearer ${f.token}` });
        if (res.status !== 200) throw new Error(`POST /bulk/invoices → ${res.status}: ${res.body.slice(0, 300)}`);
        if (++done % 200 === 0) log(`${done * 50} of ${calls * 50} events created`);
      }
    }),
  );
}

export async function main(argv: string[]): Promise<void> {
  const opts = options(parseArgs(argv));
  if (!(await postgresAnswers(opts.pgUrl))) throw new Error(`PostgreSQL at ${opts.pgUrl} does not answer; this benchmark needs it.`);
  const target = await postgresTarget(opts.pgUrl);
  const databaseUrl = target.databaseUrl as string;
  // The API process runs no worker: the events pile up first, then only `billow worker`s deliver.
  const server = await startServer(benchServerConfig(target, { WORKERS: 'false', WEBHOOK_ALLOW_PRIVATE: 'true' }));
  const client = new HttpClient(server.url, 8);
  const receiver = new BenchReceiver();
  const workers: ChildProcess[] = [];
  try {
    const url = await receiver.start();
    log(`raw baseline: ${opts.endpoints} keep-alive senders → ${url}, 5 s`);
    const raw = await rawPosts(url, opts.endpoints, 5);
    receiver.ids.clear();
    receiver.receivedAt.length = 0;
    receiver.latencies.length = 0;

    const fixtures: Fixture[] = [];
    for (let i = 0; i < opts.endpoints; i++) {
      const fixture = await createFixture(client, ADMIN_TOKEN);
      await client.json('POST', '/api/v1/webhook-endpoints', { url, events: ['INVOICE_CREATED'] }, { authorization: `Bearer ${fixture.token}` }, 201);
      fixtures.push(fixture);
    }
    const events = Math.ceil(opts.events / 50) * 50;
    log(`creating ${events} events in ${opts.endpoints} businesses (no worker running), load average ${os.loadavg().map((l) => round(l, 2)).join(' ')}`);
    await createEvents(client, fixtures, events);

    log(`starting ${opts.workers} billow worker processes`);
    const started = Date.now();
    workers.push(...(await Promise.all(Array.from({ length: opts.workers }, () => startWorker(databaseUrl)))));
    const complete = await receiver.waitFor(events, opts.timeoutS * 1000);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // late duplicates would show up here
    const first = Math.min(...receiver.receivedAt);
    const last = Math.max(...receiver.receivedAt);
    const perS = round(receiver.receivedAt.length / ((last - first) / 1000), 0);
    const result = {
      database: 'postgresql',
      events,
      endpoints: opts.endpoints,
      workers: opts.workers,
      complete,
      delivered: receiver.unique,
      lost: events - receiver.unique,
      duplicates: receiver.duplicates,
      seconds: round((last - first) / 1000),
      seconds_from_worker_start: round((last - started) / 1000),
      deliveries_per_s: perS,
      baseline_raw_posts_per_s: round(raw, 0),
      ratio: round(perS / raw, 2),
      load_average: os.loadavg().map((l) => round(l, 2)),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const child of workers) child.kill('SIGTERM');
    client.close();
    await receiver.stop();
    await server.stop();
    await target.cleanup();
  }
}
