import { uuidv7 } from '../../ids.ts';
import type { ImportRow } from '../../db/schema.ts';
import { enqueueJobs } from '../../jobs/queue.ts';
import type { ObjectStore } from '../../storage/index.ts';
import { type Context, transact } from '../context.ts';

export const IMPORT_QUEUE = 'import';

export interface StartImportInput {
  s3Key: string;
  finalize: boolean;
  skipInvalid: boolean;
}

/** Records a background import and enqueues its job in the same transaction (SPEC §6.2, 202). */
export async function startImport(ctx: Context, store: ObjectStore, input: StartImportInput): Promise<ImportRow> {
  const { size } = await store.stat(ctx.businessId, input.s3Key);
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
  };
  return transact(ctx, async (tx) => {
    await tx.insertInto('imports').values(row).execute();
    await enqueueJobs(tx, [{ businessId: ctx.businessId, queue: IMPORT_QUEUE, payload: { import_id: row.id }, key: row.id }], now);
    return row;
  });
}
