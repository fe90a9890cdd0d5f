/**
 * `npm run bench -- bank [options]` — a bank statement import with auto-match through the
 * real server (its own process, workers in-process as with `npm start`), against as many
 * open invoices, compared in the same run with COPY of the same transaction rows into
 * bank_transactions of the same database.
 *
 * Options:
 *   --db both|postgresql|pglite   (default both)
 *   --lines-pg N         statement lines and open invoices on PostgreSQL (default 100,000)
 *   --lines-pglite N     the same on PGlite (default 10,000)
 *   --matched F          fraction of lines that pay an invoice (default 0.9); the rest match nothing
 *   --chunk N            lines per import transaction (IMPORT_CHUNK_INVOICES, default 1000)
 *   --pg-url URL         PostgreSQL server (default $BENCH_PG_URL or postgres://postgres@127.0.0.1:5432/test);
 *                        the database used is $BENCH_DATABASE (default billow_bench), wiped first
 *
 * Setup (not measured): a business, N finalized invoices made by the CSV import, a bank account.
 * Measured: upload → POST statements (background, as large statements run) → import succeeded;
 * peak_rss_mb is the server's highest VmRSS sampled during it.
 *
 * stdout: one JSON object per database: wall_s, lines_per_s, matched (and expected_matched),
 * peak_rss_mb, copy_s, ratio (COPY time / import time).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { uuidv7 } from '../src/ids.ts';
import { type Args, type BenchDatabase, databasesOption, numberOption, parseArgs, stringOption } from './lib/args.ts';
import { createFixture, type Fixture } from './lib/fixture.ts';
import { HttpClient } from './lib/http.ts';
import { copyPglite, copyPostgres, sampleRss, type Server, startServerProcess, stopServerProcess } from './lib/server.ts';
import { round } from './lib/stats.ts';
import { ADMIN_TOKEN, reachableDatabases, type Target, withTarget } from './lib/targets.ts';

const log = (message: string) => process.stderr.write(`[bench bank] ${message}\n`);
const DATE = '2099-01-15';

interface Options {
  databases: BenchDatabase[];
  lines: { postgresql: number; pglite: number };
  matched: number;
  chunk: number;
  pgUrl: string;
}

function options(args: Args): Options {
  return {
    databases: databasesOption(args),
    lines: { postgresql: numberOption(args, 'lines-pg', 100_000, 1), pglite: numberOption(args, 'lines-pglite', 10_000, 1) },
    matched: numberOption(args, 'matched', 0.9, 0),
    chunk: Math.floor(numberOption(args, 'chunk', 1000, 1)),
    pgUrl: stringOption(args, 'pg-url', process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test'),
  };
}

// Invoice k (1-based, file order) is worth 100.00 + k paise and gets number k: a fresh business's numbers follow commit order.
const totalOf = (k: number) => 10_000 + k;

async function writeFile(file: string, lines: Iterable<string>): Promise<void> {
  const out = fs.createWriteStream(file);
  for (const line of lines) if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

function* invoiceRows(n: number, customer: string): Generator<string> {
  yield 'invoice_ref,customer_id,due_date,line_description,quantity,unit_price,tax_rate,place_of_supply\n';
  for (let k = 1; k <= n; k++) yield `R-${k},${customer},2099-12-31,Service,1,${(totalOf(k) / 100).toFixed(2)},0,IN-MH\n`;
}

interface Line {
  amount: number;
  description: string;
  transactionId: string;
}

/** Line i pays invoice i+1 when i < matched lines, else names nothing. */
function statementLine(i: number, matched: number, number: (k: number) => string): Line {
  if (i < matched) return { amount: totalOf(i + 1), description: `NEFT/CUSTOMER 01/${number(i + 1)}`, transactionId: `TXN${i}` };
  return { amount: -1234, description: `POS CARD ${i}`, transactionId: `TXN${i}` };
}

async function upload(server: Server, auth: Record<string, string>, file: string): Promise<string> {
  const form = new FormData();
  form.append('file', await fs.openAsBlob(file), path.basename(file));
  return ((await (await fetch(`${server.url}/api/v1/files`, { method: 'POST', headers: auth, body: form })).json()) as { s3_key: string }).s3_key;
}

interface ImportStatus {
  status: string;
  rows_processed: number;
  message: string | null;
}

async function waitFor(client: HttpClient, auth: Record<string, string>, id: string): Promise<ImportStatus> {
  for (;;) {
    const status = JSON.parse((await client.request('GET', `/api/v1/imports/${id}`, undefined, auth)).body) as ImportStatus;
    if (status.status !== 'queued' && status.status !== 'running') return status;
    await sleep(250);
  }
}

/** N finalized invoices through the CSV import; returns how a counter is written as a number. */
async function openInvoices(server: Server, client: HttpClient, fixture: Fixture, n: number): Promise<(k: number) => string> {
  const auth = { authorization: `Bearer ${fixture.token}` };
  const file = path.join(os.tmpdir(), `bench-bank-invoices-${process.pid}.csv`);
  await writeFile(file, invoiceRows(n, (fixture.customers[0] as Fixture['customers'][number]).id));
  const key = await upload(server, auth, file);
  fs.rmSync(file);
  const accepted = await client.json('POST', '/api/v1/invoices/bulk', { s3_key: key, finalize: true }, { ...auth, prefer: 'respond-async' }, 202);
  const done = await waitFor(client, auth, accepted.import_id as string);
  if (done.status !== 'succeeded') throw new Error(`invoice import ${done.status}: ${done.message}`);
  const business = await client.json('GET', `/api/v1/businesses/${fixture.businessId}`, undefined, auth, 200);
  return (k) => `${business.invoice_prefix}${String(k).padStart(business.number_padding, '0')}`;
}

const TRANSACTION_COLUMNS = ['business_id', 'id', 'bank_account_id', 'statement_id', 'line_number', 'date', 'amount', 'currency', 'description', 'reference', 'transaction_id', 'balance', 'dedupe_key', 'status', 'created_at', 'updated_at'] as const;

/** The transaction rows the import wrote, as a COPY file (own ids and keys, so they do not collide with the imported ones). */
function* copyRows(n: number, matched: number, number: (k: number) => string, ids: { business: string; account: string; statement: string }): Generator<string> {
  const now = new Date().toISOString();
  for (let i = 0; i < n; i++) {
    const l = statementLine(i, matched, number);
    yield `${[ids.business, uuidv7(), ids.account, ids.statement, i + 1, DATE, l.amount, 'INR', l.description, '', `copy-${l.transactionId}`, '', `id:copy-${l.transactionId}`, i < matched ? 'matched' : 'unmatched', now, now].join(',')}\n`;
  }
}

async function benchTarget(target: Target, lines: number, opts: Options): Promise<object> {
  const matchedLines = Math.floor(lines * opts.matched);
  const server = await startServerProcess(target, { IMPORT_CHUNK_INVOICES: String(opts.chunk) });
  const client = new HttpClient(server.url, 4);
  const statementFile = path.join(target.dataDir, 'statement.csv');
  const copyFile = path.join(target.dataDir, 'copy-transactions.csv');
  let run: { wall: number; peakRss: number; status: ImportStatus; statement: { id: string; matched: number; imported: number } };
  let ids: { business: string; account: string; statement: string };
  let number: (k: number) => string;
  try {
    const fixture = await createFixture(client, ADMIN_TOKEN, { customers: 1, items: 1 });
    const auth = { authorization: `Bearer ${fixture.token}` };
    log(`${target.name}: ${lines} open invoices (setup)`);
    number = await openInvoices(server, client, fixture, lines);
    const account = await client.json('POST', '/api/v1/bank-accounts', { name: 'Bench Bank', currency: 'INR' }, auth, 201);
    await writeFile(statementFile, (function* () {
      yield 'date,amount,description,transaction_id\n';
      for (let i = 0; i < lines; i++) {
        const l = statementLine(i, matchedLines, number);
        yield `${DATE},${(l.amount / 100).toFixed(2)},${l.description},${l.transactionId}\n`;
      }
    })());
    log(`${target.name}: statement of ${lines} lines, ${(fs.statSync(statementFile).size / 1e6).toFixed(1)} MB; importing`);
    const rss = sampleRss(server.child.pid);
    try {
      const start = performance.now();
      const key = await upload(server, auth, statementFile);
      const accepted = await client.json('POST', `/api/v1/bank-accounts/${account.id}/statements`, { s3_key: key }, { ...auth, prefer: 'respond-async' }, 202);
      const status = await waitFor(client, auth, accepted.import_id as string);
      const wall = (performance.now() - start) / 1000;
      const statement = (await client.json('GET', `/api/v1/bank-accounts/${account.id}/statements`, undefined, auth, 200)).items[0];
      run = { wall, peakRss: rss.peak(), status, statement };
    } finally {
      rss.stop();
    }
    if (run.status.status !== 'succeeded') throw new Error(`statement import ${run.status.status}: ${run.status.message}`);
    log(`${target.name}: import ${round(run.wall, 2)} s, matched ${run.statement.matched}, server peak RSS ${Math.round(run.peakRss / 1e6)} MB; COPY baseline`);
    ids = { business: fixture.businessId, account: account.id as string, statement: run.statement.id };
  } finally {
    await stopServerProcess(server);
  }
  await writeFile(copyFile, copyRows(lines, matchedLines, number, ids));
  const tables = [{ table: 'bank_transactions', columns: TRANSACTION_COLUMNS, file: copyFile }];
  const copy = target.databaseUrl ? copyPostgres(target.databaseUrl, tables) : await copyPglite(target.dataDir, tables);
  return {
    bench: 'bank',
    database: target.name,
    lines: run.status.rows_processed,
    open_invoices: lines,
    imported: run.statement.imported,
    matched: run.statement.matched,
    expected_matched: matchedLines,
    chunk_lines: opts.chunk,
    wall_s: round(run.wall, 2),
    lines_per_s: Math.round(lines / run.wall),
    peak_rss_mb: Math.round(run.peakRss / 1e6),
    copy_s: round(copy, 2),
    ratio: round(copy / run.wall, 3),
    load_average: os.loadavg().map((l) => round(l, 1)),
  };
}

export async function main(argv: string[]): Promise<void> {
  const opts = options(parseArgs(argv));
  for (const name of await reachableDatabases(opts.databases, opts.pgUrl)) {
    process.stdout.write(`${JSON.stringify(await withTarget(name, opts.pgUrl, (target) => benchTarget(target, opts.lines[name], opts)))}\n`);
  }
}
