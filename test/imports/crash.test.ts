import { afterAll, describe, expect, it } from 'vitest';
import { type Child, cleanUpChildren, counterOf, finished, importedInvoices, PG_URL, startImport, startServer, startWorker, tempDir, tenantOn, waitForImport, workerReady } from './processes.ts';

/**
 * Kill-and-resume of a background import with a real server process: SIGKILL while chunks
 * are being committed, restart on the same database, and the import finishes with exact
 * counts, no invoice twice, and gapless numbers (finalize).
 */

afterAll(cleanUpChildren);

describe(`import kill-and-resume (${PG_URL ? 'PostgreSQL' : 'PGlite on disk'})`, () => {
  it('a server SIGKILLed mid-import resumes after restart: exact counts, no duplicate, gapless numbers', async () => {
    const dataDir = tempDir('billow-import-crash-');
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
    const dataDir = tempDir('billow-import-workers-');
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
