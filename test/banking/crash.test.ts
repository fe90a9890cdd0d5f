import { afterAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/app.ts';
import { allPages, call, cleanUpChildren, finished, importedInvoices, PG_URL, startImport, startServer, tempDir, tenantOn, waitForImport } from '../imports/processes.ts';

/**
 * Kill-and-resume of a background statement import with a real server process: SIGKILL
 * while chunks are committed, restart on the same database, and the import finishes with
 * every line imported once, every invoice paid once, and the ledger balanced.
 */

afterAll(cleanUpChildren);

describe(`statement import kill-and-resume (${PG_URL ? 'PostgreSQL' : 'PGlite on disk'})`, () => {
  it('a server SIGKILLed mid-statement resumes after restart: no line twice, no payment twice', async () => {
    const dataDir = tempDir('billow-bank-crash-');
    const env = { IMPORT_CHUNK_INVOICES: '100', CSV_SYNC_MAX_ROWS: '10' };
    let server = await startServer(dataDir, env);
    const auth = await tenantOn(server);
    const invoiceImport = await startImport(server, auth, 'K', 300);
    await waitForImport(server, auth, invoiceImport, finished, 120_000);
    const invoices = await importedInvoices(server, auth, invoiceImport);
    const account = await call(server, 'POST', '/api/v1/bank-accounts', auth, { name: 'Crash Bank', currency: 'INR' });
    const lines = 3000;
    const rows = ['date,amount,description,transaction_id'];
    for (let i = 0; i < lines; i++) {
      const invoice = i % 10 === 0 ? invoices[i / 10] : undefined;
      rows.push(invoice ? `2099-01-01,${(invoice.total / 100).toFixed(2)},NEFT ${invoice.number},T${i}` : `2099-01-01,1.00,Line ${i},T${i}`);
    }
    const form = new FormData();
    form.append('file', new Blob([`${rows.join('\n')}\n`], { type: 'text/csv' }), 'statement.csv');
    const { s3_key } = await call(server, 'POST', '/api/v1/files', auth, form);
    const accepted = await call(server, 'POST', `/api/v1/bank-accounts/${account.id}/statements`, auth, { s3_key });

    const before = await waitForImport(server, auth, accepted.import_id, (st) => st.rows_processed > 0 || finished(st), 120_000);
    server.proc.kill('SIGKILL');
    await server.exited;
    expect(before.status, JSON.stringify(before)).toBe('running');
    expect(before.rows_processed).toBeLessThan(lines);

    server = await startServer(dataDir, env);
    const after = await waitForImport(server, auth, accepted.import_id, finished, 180_000);
    expect(after).toMatchObject({ status: 'succeeded', rows_processed: lines, rows_total: lines });
    const statement = (await call(server, 'GET', `/api/v1/bank-accounts/${account.id}/statements`, auth)).items[0];
    expect(statement).toMatchObject({ imported: lines, duplicates: 0, matched: 300, unmatched: lines - 300 });
    const imported = await allPages(server, auth, `/api/v1/bank-transactions?bank_account_id=${account.id}`);
    expect(imported).toHaveLength(lines);
    expect(new Set(imported.map((t: Json) => t.transaction_id)).size).toBe(lines);
    const paid = await importedInvoices(server, auth, invoiceImport);
    expect(paid.every((i: Json) => i.status === 'manual_paid' && i.payments.length === 1)).toBe(true);
    const tb = await call(server, 'GET', '/api/v1/reports/trial-balance', auth);
    expect(tb.currencies.every((c: Json) => c.balanced)).toBe(true);
    server.proc.kill('SIGKILL');
    await server.exited;
  }, 480_000);
});
