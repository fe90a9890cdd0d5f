import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import type { Json } from '../helpers/app.ts';
import { allPages, call, type Child, cleanUpChildren, counterOf, PG_URL, startServer, startWorker, tempDir, tenantOn, workerReady } from '../imports/processes.ts';

/**
 * The scheduler in real processes: `billow worker` processes (PostgreSQL) or a server with its
 * in-process workers (PGlite on disk), 1,000 templates due today, racing and SIGKILLed. Every
 * template must get exactly one invoice for today, numbered without gaps.
 */
afterAll(cleanUpChildren);

const TEMPLATES = 1000;
// Small chunks: many transactions to race over and to be killed in the middle of. PGlite runs
// its queries synchronously in the server's own thread: a chunk holds its HTTP requests until
// it commits, so its chunks are smaller still, for the test's polls to get through.
const CHUNK = { RECURRING_CHUNK_TEMPLATES: PG_URL ? '20' : '5' };
const today = () => new Date().toISOString().slice(0, 10);

/**
 * PGlite's embedded workers make 1,000 invoices before a poll through its one session sees
 * any: a trigger that keeps the database busy a few ms per recorded invoice gives the test a run to kill.
 */
async function slowDown(dataDir: string): Promise<void> {
  const database = await openDatabase({ url: undefined, dataDir });
  await database.exec(`create function slow_recurring() returns trigger language plpgsql as $$ begin perform count(*) from generate_series(1, 30000); return new; end $$;
    create trigger slow_recurring before insert on recurring_invoices for each row execute function slow_recurring();`);
  await database.close();
}

async function createDueTemplates(server: Child, auth: Record<string, string>): Promise<void> {
  for (let start = 0; start < TEMPLATES; start += 50) {
    const items = Array.from({ length: 50 }, (_, i) => ({
      id: `rt_${start + i}`,
      name: `Rent ${start + i}`,
      customer_id: 'ct_a',
      line_items: [{ name: 'Rent', quantity: 1, unit_price: 50_000 + start + i, tax_rate: 18 }, { name: 'Maintenance', quantity: 2, unit_price: 1_000 }, { name: 'Parking', quantity: 1, unit_price: 500 }],
      schedule: { frequency: 'month', interval: 1 },
      start_date: today(),
      end: { type: 'never' },
      mode: 'finalize',
    }));
    const response = await call(server, 'POST', '/bulk/recurring-templates', auth, { recurring_templates: items });
    expect(response.summary).toEqual({ total: 50, succeeded: 50, failed: 0 });
  }
}

async function invoiceTotal(server: Child, auth: Record<string, string>): Promise<number> {
  return (await call(server, 'GET', '/api/v1/invoices?include_total=true&limit=1', auth)).total;
}

async function waitForInvoices(server: Child, auth: Record<string, string>, done: (n: number) => boolean, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await invoiceTotal(server, auth);
    if (done(n)) return n;
    if (Date.now() > deadline) throw new Error(`timed out with ${n} invoices`);
    await sleep(50);
  }
}

/** Exactly one invoice per template, dated today, gapless numbers 1…N, every template advanced once. */
async function expectExactlyOnce(server: Child, auth: Record<string, string>): Promise<void> {
  const invoices: Json[] = await allPages(server, auth, '/api/v1/invoices');
  expect(invoices).toHaveLength(TEMPLATES);
  expect(new Set(invoices.map((i) => i.recurring_template_id)).size).toBe(TEMPLATES);
  for (const invoice of invoices) expect(invoice).toMatchObject({ date: today(), status: 'open' });
  expect(invoices.map(counterOf).sort((a, b) => a - b)).toEqual(Array.from({ length: TEMPLATES }, (_, i) => i + 1));
  const templates: Json[] = await allPages(server, auth, '/api/v1/recurring-templates');
  expect(templates.filter((t) => t.invoices_generated === 1 && t.last_invoice_date === today() && t.consecutive_failures === 0)).toHaveLength(TEMPLATES);
}

describe(`recurring scheduler in real processes (${PG_URL ? 'PostgreSQL' : 'PGlite on disk'})`, () => {
  it(`${PG_URL ? 'two `billow worker` processes race' : "a server's run and helper jobs race"} over 1,000 due templates: exactly one invoice each`, async () => {
    const dataDir = tempDir('billow-recurring-race-');
    let server = await startServer(dataDir, { WORKERS: 'false' });
    const auth = await tenantOn(server);
    await createDueTemplates(server, auth);
    // PGlite is embedded in one process: there the race is between that server's job loops.
    const workers = PG_URL ? [startWorker(dataDir, CHUNK), startWorker(dataDir, CHUNK)] : [];
    await Promise.all(workers.map(workerReady));
    if (!PG_URL) {
      server.proc.kill('SIGKILL');
      await server.exited;
      server = await startServer(dataDir, CHUNK);
    }
    await waitForInvoices(server, auth, (n) => n >= TEMPLATES, 240_000);
    // Give a duplicate, if the workers could make one, the time to appear.
    await sleep(1_500);
    await expectExactlyOnce(server, auth);
    // Both took part: the run asked helpers in, and each worker logged templates it handled.
    for (const worker of workers) expect(worker.output.join('')).toContain('recurring invoices made');
  }, 420_000);

  it('a worker SIGKILLed mid-run is replaced: no duplicate, no template skipped', async () => {
    const dataDir = tempDir('billow-recurring-kill-');
    // PostgreSQL: a separate API server and `billow worker`s; PGlite: the server's own workers.
    let server = await startServer(dataDir, PG_URL ? { WORKERS: 'false' } : { WORKERS: 'false', ...CHUNK });
    const auth = await tenantOn(server);
    await createDueTemplates(server, auth);
    let worker: Child;
    if (PG_URL) {
      worker = startWorker(dataDir, CHUNK);
    } else {
      server.proc.kill('SIGKILL');
      await server.exited;
      await slowDown(dataDir);
      server = await startServer(dataDir, CHUNK);
      worker = server;
    }
    const before = await waitForInvoices(server, auth, (n) => n > 0, 240_000);
    worker.proc.kill('SIGKILL');
    await worker.exited;
    expect(before).toBeLessThan(TEMPLATES);
    if (PG_URL) {
      await workerReady(startWorker(dataDir, CHUNK));
    } else {
      server = await startServer(dataDir, CHUNK);
    }
    await waitForInvoices(server, auth, (n) => n >= TEMPLATES, 240_000);
    await sleep(1_500);
    await expectExactlyOnce(server, auth);
  }, 480_000);
});
