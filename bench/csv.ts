/**
 * `npm run bench -- csv [options]` — a background CSV import through the real server
 * (in-process, loopback, workers in-process as with `npm start`), compared in the same run
 * with COPY of the same rows (the invoices and lines the import creates, precomputed) into
 * the same tables of the same database.
 *
 * Options:
 *   --db both|postgresql|pglite   (default both)
 *   --rows-pg N          data rows on PostgreSQL (default 1,000,000: 250,000 invoices × 4 lines)
 *   --rows-pglite N      data rows on PGlite (default 100,000)
 *   --chunk N            invoices per import transaction (IMPORT_CHUNK_INVOICES, default 1000)
 *   --skip-invalid       import with skip_invalid (no validation pass) instead of all-or-nothing
 *   --finalize           number and post every invoice
 *   --max-old-space-mb N run the server with node --max-old-space-size=N (default: what `npm start` sets)
 *   --pg-url URL         PostgreSQL server (default $BENCH_PG_URL or postgres://postgres@127.0.0.1:5432/test);
 *                        the database used is $BENCH_DATABASE (default billow_bench), wiped first
 *
 * The server runs as its own process, as `npm start` runs it (tsx, workers in-process), so its
 * memory is measured alone: peak_rss_mb is the highest VmRSS sampled during the import.
 *
 * stdout: one JSON object per database: wall_s, rows_per_s, invoices_per_s, peak_rss_mb,
 * copy_s, ratio (COPY time / import time).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Args, type BenchDatabase, databasesOption, flag, numberOption, parseArgs, stringOption } from './lib/args.ts';
import { baselineBatch, INVOICE_COLUMNS, LINE_COLUMNS } from './lib/baseline.ts';
import { createFixture, type Fixture } from './lib/fixture.ts';
import { HttpClient } from './lib/http.ts';
import { round } from './lib/stats.ts';
import { copyPglite, copyPostgres, type CopyTable, sampleRss, type Server, startFlags, startServerProcess, stopServerProcess } from './lib/server.ts';
import { ADMIN_TOKEN, reachableDatabases, type Target, withTarget } from './lib/targets.ts';

const LINES = 4;
const BATCH = 1000;
const log = (message: string) => process.stderr.write(`[bench csv] ${message}\n`);

interface Options {
  databases: BenchDatabase[];
  rows: { postgresql: number; pglite: number };
  chunk: number;
  skipInvalid: boolean;
  finalize: boolean;
  pgUrl: string;
  maxOldSpaceMb: number | undefined;
}

function options(args: Args): Options {
  return {
    databases: databasesOption(args),
    rows: { postgresql: numberOption(args, 'rows-pg', 1_000_000, LINES), pglite: numberOption(args, 'rows-pglite', 100_000, LINES) },
    chunk: Math.floor(numberOption(args, 'chunk', 1000, 1)),
    skipInvalid: flag(args, 'skip-invalid'),
    finalize: flag(args, 'finalize'),
    pgUrl: stringOption(args, 'pg-url', process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test'),
    maxOldSpaceMb: args.options.has('max-old-space-mb') ? numberOption(args, 'max-old-space-mb', 0, 16) : undefined,
  };
}

const STATES = ['IN-KA', 'IN-TN', 'IN-GJ', 'IN-DL'];

/** Writes the import file: the same invoices (customer, items, quantities, place of supply) as the COPY rows. */
async function writeImportFile(file: string, fixture: Fixture, invoices: number): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write('invoice_ref,customer_id,due_date,item_id,quantity,place_of_supply\n');
  for (let seq = 0; seq * BATCH < invoices; seq++) {
    const lines: string[] = [];
    for (let i = 0; i < BATCH && seq * BATCH + i < invoices; i++) {
      const k = seq * BATCH + i;
      const customer = fixture.customers[k % fixture.customers.length] as Fixture['customers'][number];
      const place = i % 2 === 0 ? 'IN-MH' : (STATES[k % STATES.length] as string);
      for (let j = 0; j < LINES; j++) {
        const item = fixture.items[(k * 7 + j * 3) % fixture.items.length] as Fixture['items'][number];
        lines.push(`PO-${seq}-${i},${customer.id},2099-12-31,${item.id},${1 + ((k + j) % 5)},${place}`);
      }
    }
    if (!out.write(`${lines.join('\n')}\n`)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

const csvValue = (value: unknown) => (value === null ? '' : typeof value === 'string' ? `"${value.replace(/"/g, '""')}"` : String(value));

function csvRows(params: unknown[], width: number): string {
  let text = '';
  for (let i = 0; i < params.length; i += width) text += `${params.slice(i, i + width).map(csvValue).join(',')}\n`;
  return text;
}

/** The rows the import creates, priced like the application (bench/lib/baseline.ts), as two COPY files. */
async function writeCopyFiles(dir: string, fixture: Fixture, invoices: number): Promise<{ invoices: string; lines: string }> {
  const files = { invoices: path.join(dir, 'copy-invoices.csv'), lines: path.join(dir, 'copy-lines.csv') };
  const inv = fs.openSync(files.invoices, 'w');
  const lin = fs.openSync(files.lines, 'w');
  for (let seq = 0; seq * BATCH < invoices; seq++) {
    const batch = baselineBatch(fixture, Math.min(BATCH, invoices - seq * BATCH), LINES, seq);
    fs.writeSync(inv, csvRows(batch.invoice, INVOICE_COLUMNS.length));
    fs.writeSync(lin, csvRows(batch.line, LINE_COLUMNS.length));
  }
  fs.closeSync(inv);
  fs.closeSync(lin);
  return files;
}

interface ImportStatus {
  status: string;
  rows_processed: number;
  invoices_succeeded: number;
  message: string | null;
}

interface ImportRun {
  status: ImportStatus;
  wall: number;
  peakRss: number;
}

async function runImport(server: Server, fixture: Fixture, file: string, opts: Options): Promise<ImportRun> {
  const client = new HttpClient(server.url, 4);
  const auth = { authorization: `Bearer ${fixture.token}` };
  const form = new FormData();
  form.append('file', await fs.openAsBlob(file), 'import.csv');
  const uploaded = (await (await fetch(`${server.url}/api/v1/files`, { method: 'POST', headers: auth, body: form })).json()) as { s3_key: string };
  const rss = sampleRss(server.child.pid);
  try {
    const start = performance.now();
    const body = { s3_key: uploaded.s3_key, finalize: opts.finalize, skip_invalid: opts.skipInvalid };
    const accepted = JSON.parse((await client.request('POST', '/api/v1/invoices/bulk', body, { ...auth, prefer: 'respond-async' })).body) as { import_id: string };
    for (;;) {
      const status = JSON.parse((await client.request('GET', `/api/v1/imports/${accepted.import_id}`, undefined, auth)).body) as ImportStatus;
      if (status.status !== 'queued' && status.status !== 'running') return { status, wall: (performance.now() - start) / 1000, peakRss: rss.peak() };
      await sleep(250);
    }
  } finally {
    rss.stop();
  }
}

async function benchTarget(target: Target, rows: number, opts: Options): Promise<object> {
  const invoices = Math.floor(rows / LINES);
  const server = await startServerProcess(target, { IMPORT_CHUNK_INVOICES: String(opts.chunk) }, opts.maxOldSpaceMb);
  let copy: number;
  let run: ImportRun;
  try {
    const fixture = await createFixture(new HttpClient(server.url, 4), ADMIN_TOKEN);
    const file = path.join(target.dataDir, 'import.csv');
    await writeImportFile(file, fixture, invoices);
    log(`${target.name}: ${invoices * LINES} rows, ${(fs.statSync(file).size / 1e6).toFixed(1)} MB`);
    run = await runImport(server, fixture, file, opts);
    if (run.status.status !== 'succeeded') throw new Error(`import ${run.status.status}: ${run.status.message}`);
    log(`${target.name}: import ${round(run.wall, 2)} s, server peak RSS ${Math.round(run.peakRss / 1e6)} MB; preparing COPY files`);
    const copyFiles = await writeCopyFiles(target.dataDir, fixture, invoices);
    await stopServerProcess(server);
    const tables: CopyTable[] = [
      { table: 'invoices', columns: INVOICE_COLUMNS, file: copyFiles.invoices },
      { table: 'invoice_lines', columns: LINE_COLUMNS, file: copyFiles.lines },
    ];
    copy = target.databaseUrl ? copyPostgres(target.databaseUrl, tables) : await copyPglite(target.dataDir, tables);
  } finally {
    await stopServerProcess(server);
  }
  const { status, wall } = run;
  return {
    bench: 'csv',
    database: target.name,
    rows: status.rows_processed,
    invoices: status.invoices_succeeded,
    mode: opts.skipInvalid ? 'skip_invalid' : 'all_or_nothing',
    finalize: opts.finalize,
    chunk_invoices: opts.chunk,
    server_flags: startFlags().join(' '),
    max_old_space_mb: opts.maxOldSpaceMb ?? null,
    wall_s: round(wall, 2),
    rows_per_s: Math.round(status.rows_processed / wall),
    invoices_per_s: Math.round(status.invoices_succeeded / wall),
    peak_rss_mb: Math.round(run.peakRss / 1e6),
    copy_s: round(copy, 2),
    copy_rows_per_s: Math.round(status.rows_processed / copy),
    ratio: round(copy / wall, 3),
    load_average: os.loadavg().map((l) => round(l, 1)),
  };
}

export async function main(argv: string[]): Promise<void> {
  const opts = options(parseArgs(argv));
  for (const name of await reachableDatabases(opts.databases, opts.pgUrl)) {
    process.stdout.write(`${JSON.stringify(await withTarget(name, opts.pgUrl, (target) => benchTarget(target, opts.rows[name], opts)))}\n`);
  }
}
