import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { startWorkers, type WorkerLog, type Workers } from '../../src/jobs/runner.ts';
import type { Json } from '../helpers/app.ts';
import type { Tenant } from '../helpers/factories.ts';
import { ofxSgml } from './fixtures.ts';
import { type Bank, bankTenant, csvStatement, importApp, importStatement, ok, openInvoice, transactions, trialBalanceIsZero } from './support.ts';

const quiet: WorkerLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

let env: Awaited<ReturnType<typeof importApp>>;
let workers: Workers;
beforeAll(async () => {
  env = await importApp({ importChunkInvoices: 50, csvSyncMaxRows: 100 });
  workers = await startWorkers({ database: env.database, config: env.config, handlers: jobHandlers(), log: quiet, pollMs: 50 });
});
afterAll(async () => {
  await workers.stop();
  await env.app.close();
});

async function finished(tenant: Tenant, id: string): Promise<Json> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const body = ok(await tenant.get(`/api/v1/imports/${id}`));
    if (!['queued', 'running'].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`import still ${body.status}`);
    await sleep(100);
  }
}

const statementOf = async (bank: Bank, id: string) => ok(await bank.tenant.get(`/api/v1/bank-accounts/${bank.account.id}/statements`)).items.find((s: Json) => s.id === id);

describe('large statements in the background (the import machinery)', () => {
  it('a statement over CSV_SYNC_MAX_ROWS: 202, chunks committed with progress, auto-match, counts, a balance mismatch in the error report', async () => {
    const bank = await bankTenant(env);
    const invoices: Json[] = [];
    for (let i = 0; i < 12; i++) invoices.push(await openInvoice(bank.tenant, 1_000 + i * 30));
    let balance = 0;
    const rows = Array.from({ length: 400 }, (_, i) => {
      const invoice = i % 30 === 0 ? invoices[i / 30] : undefined;
      const amount = invoice ? invoice.total : 7;
      balance += amount;
      // Line 222 reports a running balance off by one paisa: it disagrees with line 221, and 223 with it.
      const reported = i === 221 ? balance + 1 : balance;
      return ['2026-11-20', (amount / 100).toFixed(2), invoice ? `Pay ${invoice.number}` : `Card ${i}`, '', `B-${i}`, (reported / 100).toFixed(2)];
    });
    const accepted = await importStatement(bank, csvStatement(rows));
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { import_id, statement_id, status_url } = accepted.json();
    expect(status_url).toBe(`${env.config.publicUrl}/api/v1/imports/${import_id}`);
    const done = await finished(bank.tenant, import_id);
    expect(done).toMatchObject({ status: 'succeeded', rows_processed: 400, rows_total: 400, error_count: 2, percent: 100 });
    expect(await statementOf(bank, statement_id)).toMatchObject({ import_id, imported: 400, duplicates: 0, matched: 12, unmatched: 388, balance_mismatches: 2 });
    const report = await bank.tenant.get(`/api/v1/imports/${import_id}/errors.csv`);
    expect(report.body).toContain('222,,,bank.balance_mismatch');
    expect(report.body).toContain('223,,,bank.balance_mismatch');
    expect(await transactions(bank, '&status=matched')).toHaveLength(12);
    expect(await trialBalanceIsZero(bank.tenant)).toBe(true);

    // The same statement again, in the background as well: every line a duplicate.
    const again = await importStatement(bank, csvStatement(rows));
    expect((await finished(bank.tenant, again.json().import_id)).status).toBe('succeeded');
    expect(await statementOf(bank, again.json().statement_id)).toMatchObject({ imported: 0, duplicates: 400, matched: 0 });
  });

  it('a bad line anywhere fails the whole background import before anything is written', async () => {
    const bank = await bankTenant(env);
    const rows = Array.from({ length: 300 }, (_, i) => ['2026-11-20', i === 250 ? 'abc' : '1.00', `L${i}`, '', '', '']);
    const accepted = await importStatement(bank, csvStatement(rows), {}, { prefer: 'respond-async' });
    const done = await finished(bank.tenant, accepted.json().import_id);
    expect(done.status).toBe('failed');
    expect(done.message).toContain('amount');
    expect(await transactions(bank)).toEqual([]);
  });

  it('Prefer: respond-async sends a small OFX statement to the background too', async () => {
    const bank = await bankTenant(env);
    const invoice = await openInvoice(bank.tenant, 118_000);
    const accepted = await importStatement(bank, ofxSgml(invoice.number), {}, { prefer: 'respond-async' });
    expect(accepted.statusCode, accepted.body).toBe(202);
    expect(await finished(bank.tenant, accepted.json().import_id)).toMatchObject({ status: 'succeeded', rows_processed: 2 });
    expect(await statementOf(bank, accepted.json().statement_id)).toMatchObject({ format: 'ofx', imported: 2, matched: 1 });
  });
});
