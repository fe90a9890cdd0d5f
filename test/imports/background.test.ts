import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { startWorkers, type WorkerLog, type Workers } from '../../src/jobs/runner.ts';
import type { Json } from '../helpers/app.ts';
import { expect422, expectDetail } from '../helpers/assertions.ts';
import type { Tenant } from '../helpers/factories.ts';
import { csvOf, HEADER, importApp, importCsv, importTenant, line, uploaded } from './support.ts';

const quiet: WorkerLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

let env: Awaited<ReturnType<typeof importApp>>;
let workers: Workers;
beforeAll(async () => {
  env = await importApp({ importChunkInvoices: 250 });
  workers = await startWorkers({ database: env.database, config: env.config, handlers: jobHandlers(), log: quiet, pollMs: 50 });
});
afterAll(async () => {
  await workers.stop();
  await env.app.close();
});

async function finished(tenant: Tenant, id: string, timeoutMs = 50_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await tenant.get(`/api/v1/imports/${id}`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as Json;
    if (!['queued', 'running'].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`import still ${body.status}: ${response.body}`);
    await sleep(100);
  }
}

const async = { prefer: 'respond-async' };

/** `invoices` invoices of `lines` lines each, for customer ct_a, optionally finalized. */
function bigCsv(invoices: number, lines: number): string {
  const rows = [HEADER];
  for (let i = 1; i <= invoices; i++) {
    for (let l = 1; l <= lines; l++) rows.push(line(`INV-${i}`, { unit_price: `${l}.25`, quantity: '2' }).join(','));
  }
  return `${rows.join('\n')}\n`;
}

async function invoiceTotal(tenant: Tenant, importId: string): Promise<number> {
  const response = await tenant.get(`/api/v1/invoices?import_id=${importId}&include_total=true&limit=1`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as Json).total;
}

describe('background imports', () => {
  it('imports 20,000 rows in the background with exact counts; invoices carry import_id', async () => {
    const tenant = await importTenant(env);
    const accepted = await importCsv(tenant, bigCsv(5000, 4));
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { import_id: id, status_url } = accepted.json() as Json;
    expect(status_url).toBe(`${env.config.publicUrl}/api/v1/imports/${id}`);
    const done = await finished(tenant, id, 120_000);
    expect(done).toMatchObject({ status: 'succeeded', rows_processed: 20_000, rows_total: 20_000, invoices_succeeded: 5000, invoices_failed: 0, error_count: 0, percent: 100, message: null });
    expect(done.started_at).not.toBeNull();
    expect(done.finished_at >= done.started_at).toBe(true);
    expect(await invoiceTotal(tenant, id)).toBe(5000);
    const one = (await tenant.get(`/api/v1/invoices?import_id=${id}&limit=1`)).json() as Json;
    expect(one.items[0]).toMatchObject({ import_id: id, status: 'draft' });
    expect(one.items[0].line_items).toHaveLength(4);
    const list = (await tenant.get('/api/v1/imports')).json() as Json;
    expect(list.items.map((i: Json) => i.id)).toEqual([id]);
  }, 150_000);

  it('Prefer: respond-async with skip_invalid: valid invoices created, error report neutralizes formula cells', async () => {
    const tenant = await importTenant(env);
    const csv = csvOf([
      [HEADER],
      line('A', { line_description: '=HYPERLINK("http://evil")' }),
      line('B', { line_description: '=1+1', quantity: 'x' }),
      line('C', { item_id: '@nope', line_description: '' }),
      line('D'),
    ]);
    const accepted = await importCsv(tenant, csv.replace('=HYPERLINK("http://evil")', '"=HYPERLINK(""http://evil"")"'), { skip_invalid: true, finalize: true }, async);
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { import_id: id } = accepted.json() as Json;
    const done = await finished(tenant, id);
    expect(done).toMatchObject({ status: 'succeeded', rows_total: 4, invoices_succeeded: 2, invoices_failed: 2, error_count: 2, finalize: true, skip_invalid: true });
    const created = (await tenant.get(`/api/v1/invoices?import_id=${id}`)).json() as Json;
    expect(created.items.map((i: Json) => [i.reference, i.status]).sort()).toEqual([
      ['A', 'open'],
      ['D', 'open'],
    ]);
    expect(created.items.find((i: Json) => i.reference === 'A').line_items[0].name).toBe('=HYPERLINK("http://evil")');
    const report = await tenant.get(`/api/v1/imports/${id}/errors.csv`);
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toMatch(/^text\/csv/);
    const lines = report.body.trim().split('\r\n');
    expect(lines[0]).toBe('row,column,invoice_ref,error,message,value');
    expect(lines[1]).toMatch(/^2,quantity,B,validation\.invalid,.*,x$/);
    expect(lines[2]).toMatch(/^3,item_id,C,not_found\.resource,.*,'@nope$/);
  });

  it('all-or-nothing in the background: one bad row fails the import and creates nothing', async () => {
    const tenant = await importTenant(env);
    const accepted = await importCsv(tenant, csvOf([[HEADER], line('A'), line('B', { customer_id: 'ct_nope' }), line('C')]), {}, async);
    const done = await finished(tenant, (accepted.json() as Json).import_id);
    expect(done).toMatchObject({ status: 'failed', invoices_succeeded: 0, invoices_failed: 1, error_count: 1, rows_processed: 0 });
    expect(done.message).toContain('nothing was imported');
    expect(await invoiceTotal(tenant, done.id)).toBe(0);
    const report = await tenant.get(`/api/v1/imports/${done.id}/errors.csv`);
    expect(report.body).toContain("2,customer_id,B,not_found.resource,Customer 'ct_nope' not found in this business.,ct_nope");
  });

  it('a file broken further down fails the import with the row, after committing what came before (skip_invalid)', async () => {
    const tenant = await importTenant(env);
    const csv = `${bigCsv(300, 1)}"unclosed,ct_a\n`;
    const accepted = await importCsv(tenant, csv, { skip_invalid: true }, async);
    const done = await finished(tenant, (accepted.json() as Json).import_id);
    expect(done.status).toBe('failed');
    expect(done.message).toContain('never closed');
    expect(done.invoices_succeeded).toBe(250);
    expect(await invoiceTotal(tenant, done.id)).toBe(250);
  });
});

describe('imports routes', () => {
  it('cancel: a queued import is cancelled, a finished one is 409; unknown and foreign ids are 404', async () => {
    const owner = await importTenant(env);
    const other = await importTenant(env);
    const key = await uploaded(owner, csvOf([[HEADER], line('A')]));
    // Two imports at once: one is cancelled before (or while) a worker gets to it.
    const [first, second] = await Promise.all([
      owner.post('/api/v1/invoices/bulk', { s3_key: key }, async),
      owner.post('/api/v1/invoices/bulk', { s3_key: key }, async),
    ]);
    const id = (second!.json() as Json).import_id;
    const cancelled = await owner.post(`/api/v1/imports/${id}/cancel`);
    if (cancelled.statusCode === 200) expect((cancelled.json() as Json).status).toBe('cancelled');
    else expectDetail(cancelled, 409);
    const done = await finished(owner, (first!.json() as Json).import_id);
    expect(done.status).toBe('succeeded');
    expectDetail(await owner.post(`/api/v1/imports/${done.id}/cancel`), 409);
    for (const url of [`/api/v1/imports/${done.id}`, `/api/v1/imports/${done.id}/errors.csv`]) expectDetail(await other.get(url), 404);
    expectDetail(await other.post(`/api/v1/imports/${done.id}/cancel`), 404);
    expectDetail(await owner.get('/api/v1/imports/nope'), 404);
    expect(((await other.get('/api/v1/imports')).json() as Json).items).toEqual([]);
  });

  it('cancel before any worker runs it: the import ends cancelled with nothing imported', async () => {
    const tenant = await importTenant(env);
    await workers.stop();
    try {
      const accepted = await importCsv(tenant, bigCsv(2000, 1), {}, async);
      const id = (accepted.json() as Json).import_id;
      const cancelled = await tenant.post(`/api/v1/imports/${id}/cancel`);
      expect(cancelled.statusCode, cancelled.body).toBe(200);
      expect(cancelled.json()).toMatchObject({ id, status: 'cancelled' });
      expect((cancelled.json() as Json).finished_at).not.toBeNull();
    } finally {
      workers = await startWorkers({ database: env.database, config: env.config, handlers: jobHandlers(), log: quiet, pollMs: 50 });
    }
    const list = (await tenant.get('/api/v1/imports')).json() as Json;
    const done = await finished(tenant, list.items[0].id);
    expect(done.status).toBe('cancelled');
    expect(await invoiceTotal(tenant, done.id)).toBe(0);
  });

  it('lists imports newest first with keyset pages; 422 on a bad cursor; 401 without a token', async () => {
    const tenant = await importTenant(env);
    const key = await uploaded(tenant, csvOf([[HEADER], line('A')]));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(((await tenant.post('/api/v1/invoices/bulk', { s3_key: key, skip_invalid: true }, async)).json() as Json).import_id);
    const page1 = (await tenant.get('/api/v1/imports?limit=2&include_total=true')).json() as Json;
    expect(page1.total).toBe(3);
    expect(page1.items.map((i: Json) => i.id)).toEqual([ids[2], ids[1]]);
    const page2 = (await tenant.get(`/api/v1/imports?limit=2&cursor=${page1.next_cursor}`)).json() as Json;
    expect(page2.items.map((i: Json) => i.id)).toEqual([ids[0]]);
    expect422(await tenant.get('/api/v1/imports?cursor=garbage'), ['query', 'cursor']);
    expectDetail(await env.app.inject({ method: 'GET', url: '/api/v1/imports' }), 401);
    for (const id of ids) await finished(tenant, id);
  });
});
