import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { type JobHandler, startWorkers, type WorkerLog, type Workers } from '../../src/jobs/runner.ts';
import type { Json } from '../helpers/app.ts';
import { HEADER, importApp, importTenant, line, uploaded } from './support.ts';

/**
 * Two worker runners (separate ids, separate connections on PostgreSQL) sharing one queue of
 * imports: every import is done once, by whichever claimed it, with no chunk written twice.
 */

const quiet: WorkerLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

let env: Awaited<ReturnType<typeof importApp>>;
const runners: Workers[] = [];
const ranBy = new Map<string, Set<string>>();

/** The real handlers, noting which worker ran each import. */
function observed(): JobHandler[] {
  return jobHandlers().map((handler) => ({
    ...handler,
    handle: (job, ctx) => {
      const seen = ranBy.get(job.payload.import_id) ?? new Set<string>();
      seen.add(ctx.workerId);
      ranBy.set(job.payload.import_id, seen);
      return handler.handle(job, ctx);
    },
  }));
}

beforeAll(async () => {
  env = await importApp({ importChunkInvoices: 50 });
  for (let i = 0; i < 2; i++) runners.push(await startWorkers({ database: env.database, config: env.config, handlers: observed(), log: quiet, pollMs: 50 }));
});
afterAll(async () => {
  for (const runner of runners) await runner.stop();
  await env.app.close();
});

describe('two workers sharing imports', () => {
  it('each import is processed by one worker, counts exact, numbers gapless across the business', async () => {
    const tenant = await importTenant(env);
    const perImport = 300;
    const ids: string[] = [];
    for (let n = 0; n < 4; n++) {
      const rows = [HEADER, ...Array.from({ length: perImport }, (_, i) => line(`W${n}-${i}`).join(','))];
      const key = await uploaded(tenant, `${rows.join('\n')}\n`);
      const accepted = await tenant.post('/api/v1/invoices/bulk', { s3_key: key, finalize: true }, { prefer: 'respond-async' });
      expect(accepted.statusCode, accepted.body).toBe(202);
      ids.push((accepted.json() as Json).import_id);
    }
    const deadline = Date.now() + 120_000;
    const done: Json[] = [];
    for (const id of ids) {
      for (;;) {
        const status = (await tenant.get(`/api/v1/imports/${id}`)).json() as Json;
        if (status.status === 'succeeded' || status.status === 'failed') {
          done.push(status);
          break;
        }
        if (Date.now() > deadline) throw new Error(`import ${id} still ${status.status}`);
        await sleep(100);
      }
    }
    for (const status of done) expect(status).toMatchObject({ status: 'succeeded', invoices_succeeded: perImport, rows_processed: perImport });
    const workersUsed = new Set(ids.flatMap((id) => [...(ranBy.get(id) ?? [])]));
    for (const id of ids) expect(ranBy.get(id)?.size).toBe(1);
    expect(workersUsed.size).toBe(2);
    const all = (await tenant.get('/api/v1/invoices?limit=500&include_total=true')).json() as Json;
    expect(all.total).toBe(4 * perImport);
    const page2 = (await tenant.get(`/api/v1/invoices?limit=500&cursor=${all.next_cursor}`)).json() as Json;
    const page3 = page2.next_cursor ? ((await tenant.get(`/api/v1/invoices?limit=500&cursor=${page2.next_cursor}`)).json() as Json) : { items: [] };
    const invoices = [...all.items, ...page2.items, ...page3.items];
    expect(new Set(invoices.map((i: Json) => i.reference)).size).toBe(4 * perImport);
    const numbers = invoices.map((i: Json) => Number(/(\d+)$/.exec(i.number)?.[1])).sort((a: number, b: number) => a - b);
    expect(numbers).toEqual(Array.from({ length: 4 * perImport }, (_, i) => i + 1));
  }, 150_000);
});
