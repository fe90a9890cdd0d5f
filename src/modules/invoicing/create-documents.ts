import { sql } from 'kysely';
import type { InvoiceKind } from '../../db/schema.ts';
import { DomainError } from '../../domain/errors.ts';
import { type Context, type Tx, transact } from '../context.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../db-errors.ts';
import { emitEvents } from '../events/outbox.ts';
import { type PreparedDocument, prepareDocument, type References } from './prepare.ts';
import { billKey, existingBillNumbers, resolveReferences } from './references.ts';
import type { DocumentInput, DocumentOrigin } from './types.ts';
import type { DocumentView } from './view.ts';
import { eventPrefix, writeDocuments } from './write.ts';

export type ItemResult = { ok: true; document: DocumentView } | { ok: false; error: DomainError };

export interface CreateOptions {
  kind: InvoiceKind;
  maxLineItems: number;
  origin?: DocumentOrigin | undefined;
  /** Emit the aggregate *_BULK_CREATED event (bulk surfaces). */
  bulkEvent?: boolean | undefined;
}

export interface CreateOutcome {
  results: ItemResult[];
  succeeded: number;
  failed: number;
}

type Slot = { input: DocumentInput; prepared?: PreparedDocument; error?: DomainError };

function prepareAll(slots: Slot[], refs: References, ctx: Context, options: CreateOptions, now: string): void {
  for (const slot of slots) {
    if (slot.error) continue;
    try {
      slot.prepared = prepareDocument(slot.input, refs, { kind: options.kind, maxLineItems: options.maxLineItems, now, clock: ctx.clock, origin: options.origin });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      slot.error = error;
    }
  }
}

/** A bill number may appear once per vendor: in the batch and in the database. */
async function rejectDuplicateBills(ctx: Context, slots: Slot[]): Promise<void> {
  const bills = slots.filter((s) => s.prepared?.invoice.kind === 'bill');
  const pairs = bills.map((s) => ({ vendorId: s.prepared?.invoice.vendor_id as string, billNumber: s.prepared?.invoice.bill_number as string }));
  const existing = await existingBillNumbers(ctx.db, ctx.businessId, pairs);
  const seen = new Set<string>();
  bills.forEach((slot, i) => {
    const pair = pairs[i] as { vendorId: string; billNumber: string };
    const key = billKey(pair.vendorId, pair.billNumber);
    if (existing.has(key) || seen.has(key)) {
      slot.prepared = undefined;
      slot.error = new DomainError('conflict.duplicate', `Bill number '${pair.billNumber}' already exists for vendor '${pair.vendorId}'.`, 'bill_number');
    }
    seen.add(key);
  });
}

function databaseError(error: unknown, kind: InvoiceKind): DomainError {
  if (isUniqueViolation(error)) return new DomainError('conflict.duplicate', 'This document conflicts with one created concurrently.', kind === 'bill' ? 'bill_number' : undefined);
  if (isForeignKeyViolation(error)) return new DomainError('not_found.resource', 'A referenced record was deleted concurrently.', kind === 'bill' ? 'vendor_id' : 'customer_id');
  throw error;
}

/**
 * The normal path writes every good document with multi-row statements. If the database
 * still refuses the batch (a race the pre-checks could not see), it falls back to one
 * savepoint per document so that only the offending rows fail.
 */
async function writeGood(tx: Tx, refs: References, slots: Slot[], now: string, kind: InvoiceKind, baseUrl: string): Promise<Map<Slot, DocumentView>> {
  const good = slots.filter((s) => s.prepared);
  await sql`savepoint bulk_write`.execute(tx);
  try {
    const views = await writeDocuments(tx, refs.business, good.map((s) => s.prepared as PreparedDocument), now, baseUrl);
    await sql`release savepoint bulk_write`.execute(tx);
    return new Map(good.map((s, i) => [s, views[i] as DocumentView]));
  } catch (error) {
    await sql`rollback to savepoint bulk_write`.execute(tx);
    databaseError(error, kind);
  }
  const written = new Map<Slot, DocumentView>();
  for (const slot of good) {
    await sql`savepoint bulk_row`.execute(tx);
    try {
      const [view] = await writeDocuments(tx, refs.business, [slot.prepared as PreparedDocument], now, baseUrl);
      await sql`release savepoint bulk_row`.execute(tx);
      written.set(slot, view as DocumentView);
    } catch (error) {
      await sql`rollback to savepoint bulk_row`.execute(tx);
      slot.error = databaseError(error, kind);
    }
  }
  return written;
}

interface Batch {
  refs: References;
  slots: Slot[];
  now: string;
}

/** Everything outside the transaction: validate, resolve references (one query per kind), price. */
async function prepareBatch(ctx: Context, inputs: (DocumentInput | DomainError)[], options: CreateOptions): Promise<Batch> {
  const now = ctx.clock().toISOString();
  const slots: Slot[] = inputs.map((input) => (input instanceof DomainError ? { input: { line_items: [] }, error: input } : { input }));
  const valid = slots.filter((s) => !s.error).map((s) => s.input);
  const refs = await resolveReferences(ctx.db, ctx.businessId, options.kind, valid);
  prepareAll(slots, refs, ctx, options, now);
  if (options.kind === 'bill') await rejectDuplicateBills(ctx, slots);
  return { refs, slots, now };
}

async function writeBatch(tx: Tx, batch: Batch, ctx: Context, options: CreateOptions): Promise<CreateOutcome> {
  const { slots, now } = batch;
  const written = await writeGood(tx, batch.refs, slots, now, options.kind, ctx.baseUrl);
  const results: ItemResult[] = slots.map((slot) => {
    const document = written.get(slot);
    return document ? { ok: true, document } : { ok: false, error: slot.error as DomainError };
  });
  const succeeded = written.size;
  const failed = slots.length - succeeded;
  if (options.bulkEvent) {
    const type = `${eventPrefix(options.kind)}_BULK_CREATED`;
    await emitEvents(tx, ctx.businessId, now, [{ type, data: { count: succeeded, failed, batch_size: slots.length } }]);
  }
  return { results, succeeded, failed };
}

/**
 * Creates invoices or bills from client input, each item independently (SPEC §6.1). One
 * transaction writes every good item; the outcome lists, in request order, exactly what
 * committed. Entries that failed validation upstream arrive as DomainErrors in place.
 */
export async function createDocuments(ctx: Context, inputs: (DocumentInput | DomainError)[], options: CreateOptions): Promise<CreateOutcome> {
  const batch = await prepareBatch(ctx, inputs, options);
  return transact(ctx, (tx) => writeBatch(tx, batch, ctx, options));
}

/** Single create: the same path with one item; its failure is the request's error and nothing commits. */
export async function createDocument(ctx: Context, input: DocumentInput, options: CreateOptions): Promise<DocumentView> {
  const batch = await prepareBatch(ctx, [input], options);
  const early = batch.slots[0]?.error;
  if (early) throw early;
  return transact(ctx, async (tx) => {
    const [result] = (await writeBatch(tx, batch, ctx, options)).results;
    if (!result) throw new Error('writeBatch returned no result');
    if (!result.ok) throw result.error;
    return result.document;
  });
}
