import { uuidv7 } from '../../ids.ts';
import type { ImportRow } from '../../db/schema.ts';
import { enqueueJobs } from '../../jobs/queue.ts';
import type { ObjectStore } from '../../storage/index.ts';
import { type Context, type Tx, transact } from '../context.ts';

export const IMPORT_QUEUE = 'import';

export interface StartImportInput {
  s3Key: string;
  finalize: boolean;
  skipInvalid: boolean;
}

/** A background import of another kind than invoices (a bank statement) and what its runner needs. */
export interface ImportKindInput {
  kind: 'bank_statement';
  params: unknown;
}

/** Records a background import and enqueues its job in the same transaction (SPEC §6.2, 202). */
export async function startImport(ctx: Context, store: ObjectStore, input: StartImportInput): Promise<ImportRow> {
  const { size } = await store.stat(ctx.businessId, input.s3Key);
  return transact(ctx, (tx) => queueImport(tx, ctx, size, input));
}

/** Inside the caller's transaction: the import row and its job, so both exist or neither. */
export async function queueImport(tx: Tx, ctx: Pick<Context, 'businessId' | 'clock'>, size: number, input: StartImportInput & Partial<ImportKindInput>): Promise<ImportRow> {
  const now = ctx.clock();
  const row: ImportRow = {
    business_id: ctx.businessId,
    id: uuidv7(),
    s3_key: input.s3Key,
    status: 'queued',
    finalize: input.finalize,
    skip_invalid: input.skipInvalid,
    validated: false,
    checkpoint_rows: 0,
    rows_total: null,
    bytes_total: size,
    bytes_processed: 0,
    invoices_succeeded: 0,
    invoices_failed: 0,
    error_count: 0,
    message: null,
    created_at: now.toISOString(),
    started_at: null,
    finished_at: null,
    updated_at: now.toISOString(),
    kind: input.kind ?? 'invoices',
    params: input.params ?? null,
  };
  await tx
    .insertInto('imports')
    .values({ ...row, params: row.params === null ? null : JSON.stringify(row.params) })
    .execute();
  await enqueueJobs(tx, [{ businessId: ctx.businessId, queue: IMPORT_QUEUE, payload: { import_id: row.id }, key: row.id }], now);
  return row;
}
