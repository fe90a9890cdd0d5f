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

async function startServer(dataDir: string): Promise<Child> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    BILLOW_DATA_DIR: dataDir,
    BILLOW_ADMIN_TOKEN: ADMIN,
    BILLOW_SEED_DEMO: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    IMPORT_CHUNK_INVOICES: '40',
    // A killed worker's job is claimed again once its lease runs out.
    JOB_LEASE_SECONDS: '2',
  };
  delete env.DATABASE_URL;
  if (PG_URL) env.DATABASE_URL = PG_URL;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  proc.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  proc.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: Child = { proc, url: `http://127.0.0.1:${port}`, output, exited };
  children.push(child);
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

describe(`import kill-and-resume (${PG_URL ? 'PostgreSQL' : 'PGlite on disk'})`, () => {
  it('a server SIGKILLed mid-import resumes after restart: exact counts, no duplicate, gapless numbers', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-import-crash-'));
    dirs.push(dataDir);
    let server = await startServer(dataDir);
    const created = await call(server, 'POST', '/api/v1/businesses', { authorization: `Bearer ${ADMIN}` }, { name: 'Crash Imports', country: 'IN', state: 'IN-MH', currency: 'INR' });
    const auth = { authorization: `Bearer ${created.token}`, 'x-business-id': created.business.id as string };
    await call(server, 'POST', '/api/v1/customers', auth, { id: 'ct_a', name: 'Acme', state: 'IN-MH' });

    const invoices = 1500;
    const rows = [HEADER];
    for (let i = 1; i <= invoices; i++) rows.push(line(`K-${i}`).join(','), line(`K-${i}`, { unit_price: '2.50' }).join(','));
    const form = new FormData();
    form.append('file', new Blob([`${rows.join('\n')}\n`], { type: 'text/csv' }), 'crash.csv');
    const { s3_key } = await call(server, 'POST', '/api/v1/files', auth, form);
    const { import_id: id } = await call(server, 'POST', '/api/v1/invoices/bulk', { ...auth, prefer: 'respond-async' }, { s3_key, finalize: true });

    // Kill once some chunks have committed, well before the end.
    let before: Json;
    for (;;) {
      before = await call(server, 'GET', `/api/v1/imports/${id}`, auth);
      if (before.invoices_succeeded > 0 || (before.status !== 'running' && before.status !== 'queued')) break;
      await sleep(20);
    }
    server.proc.kill('SIGKILL');
    await server.exited;
    expect(before.status, JSON.stringify(before)).toBe('running');
    expect(before.invoices_succeeded).toBeLessThan(invoices);

    server = await startServer(dataDir);
    let after: Json;
    const deadline = Date.now() + 120_000;
    for (;;) {
      after = await call(server, 'GET', `/api/v1/imports/${id}`, auth);
      if (after.status !== 'running' && after.status !== 'queued') break;
      if (Date.now() > deadline) throw new Error(`import did not finish: ${JSON.stringify(after)}`);
      await sleep(200);
    }
    expect(after).toMatchObject({ status: 'succeeded', rows_processed: invoices * 2, rows_total: invoices * 2, invoices_succeeded: invoices, invoices_failed: 0, error_count: 0 });

    const imported = await importedInvoices(server, auth, id);
    expect(imported).toHaveLength(invoices);
    expect(new Set(imported.map((i) => i.reference)).size).toBe(invoices);
    for (const invoice of imported) expect(invoice.line_items).toHaveLength(2);
    const numbers = imported.map((i) => Number(/(\d+)$/.exec(i.number)?.[1])).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: invoices }, (_, i) => i + 1));
    // File order is number order: chunks commit in sequence.
    const byNumber = [...imported].sort((a, b) => (a.number < b.number ? -1 : 1));
    expect(byNumber.map((i) => i.reference)).toEqual(Array.from({ length: invoices }, (_, i) => `K-${i + 1}`));
    server.proc.kill('SIGKILL');
    await server.exited;
  }, 360_000);
});
