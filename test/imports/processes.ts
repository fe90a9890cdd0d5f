import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Json } from '../helpers/app.ts';
import { freePort } from '../cli/processes.ts';
import { HEADER, line } from './support.ts';

/**
 * Billow as real child processes for the import tests: servers (`src/main.ts` under tsx, as
 * `npm start`) and `billow worker` processes, on PostgreSQL when DATABASE_URL names one and on
 * PGlite on disk otherwise; with generous start-up waits, because a cold start on a loaded
 * machine takes tens of seconds.
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PG_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
export const ADMIN = `import-crash-admin-${randomUUID()}`;

export interface Child {
  proc: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<void>;
}

const children: Child[] = [];
const dirs: string[] = [];

/** For afterAll: kills what is still running, removes the temporary directories. */
export async function cleanUpChildren(): Promise<void> {
  for (const child of children) {
    if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
    await Promise.race([child.exited, sleep(5_000)]);
  }
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
}

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

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
    DATABASE_URL: PG_URL,
    ...extra,
  };
  // DATABASE_URL '' in `extra` means PGlite on disk whatever the suite runs on.
  if (!env.DATABASE_URL) delete env.DATABASE_URL;
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
export function startWorker(dataDir: string, extra: Record<string, string> = {}): Child {
  return spawnChild([path.join(ROOT, 'bin', 'billow.js'), 'worker'], childEnv(dataDir, extra), '');
}

export async function workerReady(worker: Child): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!worker.output.join('').includes('workers started')) {
    if (worker.proc.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start:\n${worker.output.join('')}`);
    await sleep(100);
  }
}

/** A server process, not waited for (a start-up that first waits for its database, a restart on a known port). */
export function spawnServer(dataDir: string, port: number, extra: Record<string, string> = {}): Child {
  return spawnChild(['--import', 'tsx', 'src/main.ts'], childEnv(dataDir, { PORT: String(port), ...extra }), `http://127.0.0.1:${port}`);
}

/** Resolves once the server answers /health with 200 (start-up done). */
export async function untilHealthy(child: Child, timeoutMs = 90_000): Promise<Child> {
  const { proc, output } = child;
  // Generous: on a loaded machine a cold tsx start of the server takes tens of seconds.
  const deadline = Date.now() + timeoutMs;
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

export async function startServer(dataDir: string, extra: Record<string, string> = {}): Promise<Child> {
  return untilHealthy(spawnServer(dataDir, await freePort(), extra));
}

export async function call(child: Child, method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<Json> {
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

/** Every item of a cursor-paged list, through the API, page by page. */
export async function allPages(child: Child, auth: Record<string, string>, url: string): Promise<Json[]> {
  const all: Json[] = [];
  const query = `${url}${url.includes('?') ? '&' : '?'}limit=500`;
  let cursor: string | null = null;
  do {
    const page: Json = await call(child, 'GET', `${query}${cursor ? `&cursor=${cursor}` : ''}`, auth);
    all.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

/** Every invoice of the import. */
export const importedInvoices = (child: Child, auth: Record<string, string>, importId: string) => allPages(child, auth, `/api/v1/invoices?import_id=${importId}`);

export async function tenantOn(server: Child): Promise<Record<string, string>> {
  const created = await call(server, 'POST', '/api/v1/businesses', { authorization: `Bearer ${ADMIN}` }, { name: 'Crash Imports', country: 'IN', state: 'IN-MH', currency: 'INR' });
  const auth = { authorization: `Bearer ${created.token}`, 'x-business-id': created.business.id as string };
  await call(server, 'POST', '/api/v1/customers', auth, { id: 'ct_a', name: 'Acme', state: 'IN-MH' });
  return auth;
}

/** Uploads `invoices` two-line invoices `<prefix>-1…` and starts a finalizing background import; returns its id. */
export async function startImport(server: Child, auth: Record<string, string>, prefix: string, invoices: number): Promise<string> {
  const rows = [HEADER];
  for (let i = 1; i <= invoices; i++) rows.push(line(`${prefix}-${i}`).join(','), line(`${prefix}-${i}`, { unit_price: '2.50' }).join(','));
  const form = new FormData();
  form.append('file', new Blob([`${rows.join('\n')}\n`], { type: 'text/csv' }), `${prefix}.csv`);
  const { s3_key } = await call(server, 'POST', '/api/v1/files', auth, form);
  return (await call(server, 'POST', '/api/v1/invoices/bulk', { ...auth, prefer: 'respond-async' }, { s3_key, finalize: true })).import_id;
}

export async function waitForImport(server: Child, auth: Record<string, string>, id: string, done: (status: Json) => boolean, timeoutMs: number): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await call(server, 'GET', `/api/v1/imports/${id}`, auth);
    if (done(status)) return status;
    if (Date.now() > deadline) throw new Error(`timed out; import is ${JSON.stringify(status)}`);
    await sleep(20);
  }
}

export const finished = (status: Json) => status.status !== 'running' && status.status !== 'queued';
export const counterOf = (invoice: Json) => Number(/(\d+)$/.exec(invoice.number)?.[1]);

