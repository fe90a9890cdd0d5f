import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';

interface ImportOptions {
  finalize?: boolean;
  skipInvalid?: boolean;
  server?: string;
  token?: string;
  business?: string;
  report?: string;
}

interface Target {
  base: string;
  headers: Record<string, string>;
}

interface ImportStatus {
  status: string;
  rows_processed: number;
  rows_total: number | null;
  invoices_succeeded: number;
  invoices_failed: number;
  error_count: number;
  percent: number;
  message: string | null;
}

/** A failure to report on stderr with exit code 1 (the server said no, or could not be reached). */
class ImportFailed extends Error {}

/** Server and token from the options, else BILLOW_URL / BILLOW_TOKEN, else the local demo credentials. */
function target(options: ImportOptions): Target {
  const config = loadConfig();
  const credentialsFile = path.join(config.dataDir, 'credentials.json');
  const demo = fs.existsSync(credentialsFile) ? (JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as { business_id?: string; token?: string }) : {};
  const token = options.token ?? process.env.BILLOW_TOKEN ?? demo.token;
  if (!token) throw new ImportFailed('No token: pass --token, set BILLOW_TOKEN, or run where data/credentials.json exists.');
  const business = options.business ?? (options.token ? undefined : demo.business_id);
  const base = (options.server ?? process.env.BILLOW_URL ?? `http://localhost:${config.port}`).replace(/\/+$/, '');
  return { base, headers: { authorization: `Bearer ${token}`, ...(business ? { 'x-business-id': business } : {}) } };
}

async function call<T>(to: Target, method: string, url: string, init: { body?: FormData; json?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
  const headers = { ...to.headers, ...init.headers, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) };
  const body = init.json === undefined ? init.body : JSON.stringify(init.json);
  const response = await fetch(`${to.base}${url}`, { method, headers, ...(body === undefined ? {} : { body }) }).catch((error: unknown) => {
    throw new ImportFailed(`Cannot reach ${to.base}: ${error instanceof Error ? error.message : String(error)}`);
  });
  const text = await response.text();
  if (!response.ok) throw new ImportFailed(`${method} ${url} → ${response.status}: ${text}`);
  return (response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
}

/** Streams the file from disk (a file-backed Blob), starts a background import, returns its id. */
async function start(to: Target, file: string, options: ImportOptions): Promise<string> {
  const form = new FormData();
  form.append('file', await fs.openAsBlob(file, { type: 'text/csv' }), path.basename(file));
  const uploaded = await call<{ s3_key: string }>(to, 'POST', '/api/v1/files', { body: form });
  const body = { s3_key: uploaded.s3_key, finalize: options.finalize === true, skip_invalid: options.skipInvalid === true };
  const accepted = await call<{ import_id: string }>(to, 'POST', '/api/v1/invoices/bulk', { json: body, headers: { prefer: 'respond-async' } });
  return accepted.import_id;
}

/** Polls the import, drawing rows/s and ETA, until it is no longer queued or running. */
async function follow(to: Target, id: string): Promise<ImportStatus> {
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {rows} rows | {speed} rows/s | ETA {eta_formatted} | {status}', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0, { rows: 0, speed: 0, status: 'queued' });
  const began = Date.now();
  try {
    for (;;) {
      const status = await call<ImportStatus>(to, 'GET', `/api/v1/imports/${id}`);
      const seconds = Math.max((Date.now() - began) / 1000, 0.001);
      bar.update(Math.floor(status.percent), { rows: status.rows_processed, speed: Math.round(status.rows_processed / seconds), status: status.status });
      if (status.status !== 'queued' && status.status !== 'running') return status;
      await sleep(500);
    }
  } finally {
    bar.stop();
  }
}

async function runImport(file: string, options: ImportOptions): Promise<void> {
  if (!fs.existsSync(file)) throw new ImportFailed(`No such file: ${file}`);
  const to = target(options);
  const id = await start(to, file, options);
  const status = await follow(to, id);
  const summary = [`Import ${id}: ${status.status}`, `  rows ${status.rows_processed}${status.rows_total === null ? '' : ` of ${status.rows_total}`}`, `  invoices created ${status.invoices_succeeded}, failed ${status.invoices_failed}`];
  if (status.message) summary.push(`  ${status.message}`);
  if (status.error_count > 0) {
    const report = options.report ?? `${file.replace(/\.csv$/i, '')}.errors.csv`;
    fs.writeFileSync(report, await call<string>(to, 'GET', `/api/v1/imports/${id}/errors.csv`));
    summary.push(`  ${status.error_count} errors → ${report}`);
  }
  process.stdout.write(`${summary.join('\n')}\n`);
  if (status.status !== 'succeeded') process.exitCode = 1;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('Upload a CSV file (docs/csv-format.md) to a running server and import it in the background, with a progress bar; exits 1 unless it succeeds.')
    .argument('<file>', 'the CSV file')
    .option('--finalize', 'finalize (number and post) every created invoice')
    .option('--skip-invalid', 'create the valid invoices and report the invalid ones, instead of all-or-nothing')
    .option('--server <url>', 'server URL (default BILLOW_URL, or http://localhost:$PORT)')
    .option('--token <token>', 'API token (default BILLOW_TOKEN, or the demo token in $BILLOW_DATA_DIR/credentials.json)')
    .option('--business <id>', 'business id, when the token reaches several')
    .option('--report <path>', 'where to write the error report (default FILE.errors.csv)')
    .action(async (file: string, options: ImportOptions) => {
      try {
        await runImport(file, options);
      } catch (error) {
        if (!(error instanceof ImportFailed)) throw error;
        process.stderr.write(`Import failed: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
}
