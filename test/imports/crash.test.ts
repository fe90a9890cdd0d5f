import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/app.ts';
import { freePort } from '../cli/processes.ts';
import { HEADER, line } from './support.ts';

/**
 * Kill-and-resume of a background import with a real server process: SIGKILL while chunks
 * are being committed, restart on the same database, and the import finishes with exact
 * counts, no invoice twice, and gapless numbers (finalize).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PG_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const ADMIN = `import-crash-admin-${randomUUID()}`;

interface Child {
  proc: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<void>;
}

const children: Child[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
    await Promise.race([child.exited, sleep(5_000)]);
  }
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function childEnv(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    BILLOW_DATA_DIR: dataDir,
    BILLOW_ADMIN_TOKEN: ADMIN,
    BILLOW_SEED_DEMO: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    IMPORT_CHUNK_INVOICES: '40',
    // A killed worker's job is claimed again once its lease runs out.
    JOB_LEASE_SECONDS: '2',
    ...extra,
  };
  delete env.DATABASE_URL;
  if (PG_URL) env.DATABASE_URL = PG_URL;
  return env;
}

function spawnChild(args: string[], env: NodeJS.ProcessEnv, url: string): Child {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  proc.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  proc.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: Child = { proc, url, output, exited };
  children.push(child);
  return child;
}

/** `billow worker`: the background workers alone, against the same database and data directory. */
function startWorker(dataDir: string): Child {
  return spawnChild([path.join(ROOT, 'bin', 'billow.js'), 'worker'], childEnv(dataDir, {}), '');
}

async function workerReady(worker: Child): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!worker.output.join('').includes('workers started')) {
    if (worker.proc.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start:\n${worker.output.join('')}`);
    await sleep(100);
  }
}

async function startServer(dataDir: string, extra: Record<string, string> = {}): Promise<Child> {
  const port = await freePort();
  const child = spawnChild(['--import', 'tsx', 'src/main.ts'], childEnv(dataDir, { PORT: String(port), ...extra }), `http://127.0.0.1:${port}`);
  const { proc, output } = child;
  // Generous: on a loaded machine a cold tsx start of the server takes tens of seconds.
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`server exited early:\n${output.join('')}`);
    try {
      if ((await fetch(`${child.url}/health`, { signal: AbortSignal.timeout(2_000) })).status === 200) return child;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`server did not start:\n${output.join('')}`);
}

async function call(child: Child, method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<Json> {
  const isForm = body instanceof FormData;
  const response = await fetch(`${child.url}${url}`, {
    method,
    headers: { ...headers, ...(body === undefined || isForm ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: isForm ? body : JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
}

/** Every invoice of the import, through the API, page by page. */
async function importedInvoices(child: Child, auth: Record<string, string>, importId: string): Promise<Json[]> {
  const all: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: Json = await call(child, 'GET', `/api/v1/invoices?import_id=${importId}&limit=500${cursor ? `&cursor=${cursor}` : ''}`, auth);
    all.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

async function tenantOn(server: Child): Promise<Record<string, string>> {
  const created = await call(server, 'POST', '/api/v1/businesses', { authorization: `Bearer ${ADMIN}` }, { name: 'Crash Imports', country: 'IN', state: 'IN-MH', currency: 'INR' });
  const auth = { authorization: `Bearer ${created.token}`, 'x-business-id': created.business.id as string };
  await call(server, 'POST', '/api/v1/customers', auth, { id: 'ct_a', name: 'Acme', state: 'IN-MH' });
  return auth;
}

/** Uploads `invoices` two-line invoices `<prefix>-1…` and starts a finalizing background import; returns its id. */
async function startImport(server: Child, auth: Record<string, string>, prefix: string, invoices: number): Promise<string> {
  const rows = [HEADER];
  for (let i = 1; i <= invoices; i++) rows.push(line(`${prefix}-${i}`).join(','), line(`${prefix}-${i}`, { unit_price: '2.50' }).join(','));
  const form = new FormData();
  form.append('file', new Blob([`${rows.join('\n')}\n`], { type: 'text/csv' }), `${prefix}.csv`);
  const { s3_key } = await call(server, 'POST', '/api/v1/files', auth, form);
  return (await call(server, 'POST', '/api/v1/invoices/bulk', { ...auth, prefer: 'respond-async' }, { s3_key, finalize: true })).import_id;
}

async function waitForImport(server: Child, auth: Record<string, string>, id: string, done: (status: Json) => boolean, timeoutMs: number): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await call(server, 'GET', `/api/v1/imports/${id}`, auth);
    if (done(status)) return status;
    if (Date.now() > deadline) throw new Error(`timed out; import is ${JSON.stringify(status)}`);
    await sleep(20);
  }
}

const finished = (status: Json) => status.status !== 'running' && status.status !== 'queued';
const counterOf = (invoice: Json) => Number(/(\d+)$/.exec(invoice.number)?.[1]);

describe(`import kill-and-resume (${PG_URL ? 'PostgreSQL' : 'PGlite on disk'})`, () => {
  it('a server SIGKILLed mid-import resumes after restart: exact counts, no duplicate, gapless numbers', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-import-crash-'));
    dirs.push(dataDir);
    let server = await startServer(dataDir);
    const auth = await tenantOn(server);
    const invoices = 1500;
    const id = await startImport(server, auth, 'K', invoices);

    // Kill once some chunks have committed, well before the end.
    const before = await waitForImport(server, auth, id, (st) => st.invoices_succeeded > 0 || finished(st), 120_000);
    server.proc.kill('SIGKILL');
    await server.exited;
    expect(before.status, JSON.stringify(before)).toBe('running');
    expect(before.invoices_succeeded).toBeLessThan(invoices);

    server = await startServer(dataDir);
    const after = await waitForImport(server, auth, id, finished, 120_000);
    expect(after).toMatchObject({ status: 'succeeded', rows_processed: invoices * 2, rows_total: invoices * 2, invoices_succeeded: invoices, invoices_failed: 0, error_count: 0 });

    const imported = await importedInvoices(server, auth, id);
    expect(imported).toHaveLength(invoices);
    expect(new Set(imported.map((i) => i.reference)).size).toBe(invoices);
    for (const invoice of imported) expect(invoice.line_items).toHaveLength(2);
    const numbers = imported.map(counterOf).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: invoices }, (_, i) => i + 1));
    // File order is number order: chunks commit in sequence.
    const byNumber = [...imported].sort((a, b) => (a.number < b.number ? -1 : 1));
    expect(byNumber.map((i) => i.reference)).toEqual(Array.from({ length: invoices }, (_, i) => `K-${i + 1}`));
    server.proc.kill('SIGKILL');
    await server.exited;
  }, 360_000);

  it(`${PG_URL ? 'two `billow worker` processes share' : 'one server process runs'} two imports; ${PG_URL ? 'one worker is SIGKILLed mid-import and the other finishes its work' : 'both finish'} with nothing done twice`, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-import-workers-'));
    dirs.push(dataDir);
    // PGlite is embedded in one process; on PostgreSQL workers scale out as processes of their own.
    const server = await startServer(dataDir, PG_URL ? { WORKERS: 'false' } : {});
    const auth = await tenantOn(server);
    const workers = PG_URL ? [startWorker(dataDir), startWorker(dataDir)] : [];
    for (const worker of workers) await workerReady(worker);
    const invoices = 600;
    const ids = [await startImport(server, auth, 'A', invoices), await startImport(server, auth, 'B', invoices)];
    if (PG_URL) {
      // Both imports run at once, one per worker (each runs one import at a time).
      await waitForImport(server, auth, ids[1] as string, (st) => st.invoices_succeeded > 0 || finished(st), 120_000);
      const first = await waitForImport(server, auth, ids[0] as string, (st) => st.invoices_succeeded > 0 || finished(st), 120_000);
      expect(first.status).toBe('running');
      (workers[0] as Child).proc.kill('SIGKILL');
      await (workers[0] as Child).exited;
    }
    for (const id of ids) {
      const done = await waitForImport(server, auth, id, finished, 180_000);
      expect(done).toMatchObject({ status: 'succeeded', invoices_succeeded: invoices, rows_processed: invoices * 2 });
    }
    const all = [...(await importedInvoices(server, auth, ids[0] as string)), ...(await importedInvoices(server, auth, ids[1] as string))];
    expect(all).toHaveLength(2 * invoices);
    expect(new Set(all.map((i) => i.reference)).size).toBe(2 * invoices);
    expect(all.map(counterOf).sort((a, b) => a - b)).toEqual(Array.from({ length: 2 * invoices }, (_, i) => i + 1));
    for (const worker of workers) worker.proc.kill('SIGKILL');
    server.proc.kill('SIGKILL');
    await server.exited;
  }, 420_000);
});
