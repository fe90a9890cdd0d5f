import type { Business, ImportRow } from '../../db/schema.ts';
import { ValidationErrors } from '../../domain/errors.ts';
import { holdLease, type Job } from '../../jobs/queue.ts';
import type { WorkerContext } from '../../jobs/runner.ts';
import type { ObjectStore } from '../../storage/index.ts';
import { getBusiness } from '../businesses/create-business.ts';
import { type Tx, transact } from '../context.ts';
import { writeDocuments } from '../invoicing/write.ts';
import { type Chunk, fileChunks } from './chunks.ts';
import { importCompleted } from './completed.ts';
import { emitEvents } from '../events/outbox.ts';
import type { RowIssue } from './groups.ts';
import { issuesOf, type PreparedGroups, prepareGroups } from './prepare-groups.ts';
import { clearImportErrors, getImport, insertImportErrors, lockImport } from './repository.ts';

/** The import stopped being `running` (cancelled) between two chunks. */
class Stopped extends Error {}

export interface Run {
  job: Job;
  ctx: WorkerContext;
  store: ObjectStore;
  row: ImportRow;
  business: Business;
}

const ACTIVE = new Set(['queued', 'running']);

/** The machinery an import of another kind runs its chunks through (lease, lock, cancel, close). */
export interface ImportSteps {
  /** One transaction recording progress; stops the run when the import was cancelled. */
  step<T>(work: (tx: Tx, row: ImportRow) => Promise<T>): Promise<T>;
  close(tx: Tx, status: 'succeeded' | 'failed', message: string | null, counts: Counts): Promise<void>;
}

/** Runs an import of a kind other than invoices (a bank statement), from its checkpoint on. */
export type ImportRunner = (run: Run, steps: ImportSteps) => Promise<void>;

/**
 * Runs one background import (the `import` job). All-or-nothing imports first check every
 * row without writing; then chunks of whole invoices are priced and written by the engine,
 * each in one transaction with the import's checkpoint and counts, under the job's lease.
 * A worker killed at any point resumes after the last committed chunk: nothing is written
 * twice and nothing is lost.
 */
export async function runImport(job: Job, ctx: WorkerContext, store: ObjectStore, runners: Partial<Record<ImportRow['kind'], ImportRunner>> = {}): Promise<void> {
  const row = await begin(job, ctx);
  if (!row) return;
  const run: Run = { job, ctx, store, row, business: await getBusiness(ctx.db, row.business_id) };
  try {
    const runner = runners[row.kind];
    if (runner) return await runner(run, { step: (work) => step(run, work), close: (tx, status, message, counts) => endImport(tx, run, status, message, counts) });
    if (!row.skip_invalid && !row.validated && !(await validate(run))) return;
    await write(run);
  } catch (error) {
    if (error instanceof Stopped) return;
    if (!(error instanceof ValidationErrors)) throw error;
    await finish(run, 'failed', error.message, formatIssues(error));
  }
}

/** Marks the import running; undefined when there is nothing left to do (finished, cancelled). */
async function begin(job: Job, ctx: WorkerContext): Promise<ImportRow | undefined> {
  const id = String(job.payload.import_id);
  return transact({ db: ctx.db }, async (tx) => {
    await holdLease(tx, job, ctx);
    const row = await lockImport(tx, job.business_id, id);
    if (!ACTIVE.has(row.status)) return undefined;
    if (row.status === 'queued') {
      const now = ctx.clock().toISOString();
      await tx.updateTable('imports').set({ status: 'running', started_at: now, updated_at: now }).where('business_id', '=', job.business_id).where('id', '=', id).execute();
      return { ...row, status: 'running', started_at: now };
    }
    return row;
  });
}

function formatIssues(error: ValidationErrors): RowIssue[] {
  return error.issues.map((issue) => ({ row: typeof issue.loc[1] === 'number' ? issue.loc[1] : 0, column: undefined, message: issue.msg, type: issue.type }));
}

const prepareOptions = (run: Run, keepDocuments: boolean) => ({
  finalize: run.row.finalize,
  maxLineItems: run.ctx.config.maxLineItems,
  now: run.ctx.clock().toISOString(),
  clock: run.ctx.clock,
  importId: run.row.id,
  keepDocuments,
});

interface PreparedChunk {
  chunk: Chunk;
  prepared: PreparedGroups;
  now: string;
}

/**
 * The file's chunks with their invoices priced, one chunk ahead: the next chunk is parsed,
 * resolved and priced in Node while the database commits the current one.
 */
async function* preparedChunks(run: Run, after: number, keepDocuments: boolean): AsyncGenerator<PreparedChunk> {
  const chunks = fileChunks(run.store, run.row.business_id, run.row.s3_key, after, run.ctx.config.importChunkInvoices);
  const prepareNext = async (): Promise<PreparedChunk | undefined> => {
    const next = await chunks.next();
    if (next.done) return undefined;
    const options = prepareOptions(run, keepDocuments);
    return { chunk: next.value, prepared: await prepareGroups(run.ctx.db, run.row.business_id, next.value.groups, options), now: options.now };
  };
  let ahead = prepareNext();
  try {
    for (;;) {
      const current = await ahead;
      if (!current) return;
      ahead = prepareNext();
      // Awaited on the next turn or in `finally`; a consumer that stops early must not leave it unhandled.
      ahead.catch(() => undefined);
      yield current;
    }
  } finally {
    await ahead.catch(() => undefined);
    await chunks.return(undefined);
  }
}

/**
 * One transaction that records progress: holds the lease, re-reads the import under lock and
 * stops if it was cancelled, then runs `work`. Shutdown is honoured between chunks.
 */
async function step<T>(run: Run, work: (tx: Tx, row: ImportRow) => Promise<T>): Promise<T> {
  if (run.ctx.signal.aborted) throw new Error('worker shutting down; the import resumes from its checkpoint');
  return transact({ db: run.ctx.db }, async (tx) => {
    await holdLease(tx, run.job, run.ctx);
    const row = await lockImport(tx, run.row.business_id, run.row.id);
    if (row.status !== 'running') throw new Stopped();
    return work(tx, row);
  });
}

const where = (run: Run) => ({ business_id: run.row.business_id, id: run.row.id });

/** All-or-nothing: checks every row without writing; on any issue the import fails with the report. */
async function validate(run: Run): Promise<boolean> {
  const { business_id, id } = where(run);
  await step(run, (tx) => clearImportErrors(tx, business_id, id));
  let errors = 0;
  let failedInvoices = 0;
  let rows = 0;
  for await (const { chunk, prepared } of preparedChunks(run, 0, false)) {
    const issues = issuesOf(prepared.failed);
    await step(run, async (tx) => {
      await insertImportErrors(tx, business_id, id, errors, issues);
      await tx.updateTable('imports').set({ bytes_processed: chunk.bytes, updated_at: run.ctx.clock().toISOString() }).where('business_id', '=', business_id).where('id', '=', id).execute();
    });
    errors += issues.length;
    failedInvoices += prepared.failed.length;
    rows = chunk.lastRow;
  }
  if (errors > 0) {
    const message = `${errors} invalid rows in ${failedInvoices} invoices; nothing was imported.`;
    await step(run, (tx, row) => closeImport(tx, run, row, 'failed', message, { error_count: errors, invoices_failed: failedInvoices, rows_total: rows }));
    return false;
  }
  await step(run, async (tx) => {
    await tx.updateTable('imports').set({ validated: true, rows_total: rows, bytes_processed: 0 }).where('business_id', '=', business_id).where('id', '=', id).execute();
  });
  return true;
}

/** Writes the file from the checkpoint on, a chunk per transaction. */
async function write(run: Run): Promise<void> {
  const { business_id, id } = where(run);
  let rows = run.row.checkpoint_rows;
  for await (const { chunk, prepared, now } of preparedChunks(run, run.row.checkpoint_rows, true)) {
    const issues = issuesOf(prepared.failed);
    await step(run, async (tx, row) => {
      const documents = prepared.documents.map((d) => d.document);
      await writeDocuments(tx, run.business, documents, now, run.ctx.config.publicUrl);
      await insertImportErrors(tx, business_id, id, row.error_count, issues);
      await tx
        .updateTable('imports')
        .set({
          checkpoint_rows: chunk.lastRow,
          bytes_processed: chunk.bytes,
          invoices_succeeded: row.invoices_succeeded + documents.length,
          invoices_failed: row.invoices_failed + prepared.failed.length,
          error_count: row.error_count + issues.length,
          updated_at: now,
        })
        .where('business_id', '=', business_id)
        .where('id', '=', id)
        .execute();
    });
    rows = chunk.lastRow;
  }
  await step(run, (tx, row) => closeImport(tx, run, row, 'succeeded', null, { rows_total: rows }));
}

type Counts = Partial<Pick<ImportRow, 'error_count' | 'invoices_failed' | 'rows_total' | 'invoices_succeeded'>>;

/** Ends an invoice import (`row` is its locked current state) with its IMPORT_COMPLETED event. */
async function closeImport(tx: Tx, run: Run, row: ImportRow, status: 'succeeded' | 'failed', message: string | null, counts: Counts): Promise<void> {
  await emitEvents(tx, row.business_id, run.ctx.clock().toISOString(), [importCompleted(row.id, status, row.invoices_succeeded, counts.invoices_failed ?? row.invoices_failed)]);
  await endImport(tx, run, status, message, counts);
}

/** Ends an import; other kinds (a bank statement) emit their own event. */
async function endImport(tx: Tx, run: Run, status: 'succeeded' | 'failed', message: string | null, counts: Counts): Promise<void> {
  const now = run.ctx.clock().toISOString();
  await tx.updateTable('imports').set({ status, message, finished_at: now, updated_at: now, ...counts }).where('business_id', '=', run.row.business_id).where('id', '=', run.row.id).execute();
}

/** A file-level problem (broken quoting at row N) or exhausted retries: the import fails with its reason. */
async function finish(run: Run, status: 'failed', message: string, issues: RowIssue[]): Promise<void> {
  await step(run, async (tx, row) => {
    await insertImportErrors(tx, run.row.business_id, run.row.id, row.error_count, issues);
    await closeImport(tx, run, row, status, message, { error_count: row.error_count + issues.length });
  });
}

/** The job gave up after its last attempt: the import is marked failed with the reason. */
export async function failImport(job: Job, ctx: WorkerContext, error: unknown): Promise<void> {
  const row = await getImport(ctx.db, job.business_id, String(job.payload.import_id));
  if (!ACTIVE.has(row.status)) return;
  const now = ctx.clock().toISOString();
  const message = `Import failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 1000);
  await transact({ db: ctx.db }, async (tx) => {
    await emitEvents(tx, row.business_id, now, [importCompleted(row.id, 'failed', row.invoices_succeeded, row.invoices_failed)]);
    await tx.updateTable('imports').set({ status: 'failed', message, finished_at: now, updated_at: now }).where('business_id', '=', row.business_id).where('id', '=', row.id).execute();
  });
}
