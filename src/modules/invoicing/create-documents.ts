import { sql } from 'kysely';
import type { InvoiceKind } from '../../db/schema.ts';
import { DomainError, DomainErrors, within } from '../../domain/errors.ts';
import { type Context, type Tx, transact } from '../context.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../db-errors.ts';
import { findRecords } from '../catalog/records.ts';
import { emitEvents, type OutboxEvent } from '../events/outbox.ts';
import { type PreparedDocument, prepareDocument, type References } from './prepare.ts';
import { billKey, existingBillNumbers, resolveReferences } from './references.ts';
import type { DocumentInput, DocumentOrigin, LineItemInput } from './types.ts';
import type { DocumentView } from './view.ts';
import { eventPrefix, writeDocuments } from './write.ts';

export type ItemResult = { ok: true; document: DocumentView } | { ok: false; error: DomainError };

export interface CreateOptions {
  kind: InvoiceKind;
  maxLineItems: number;
  origin?: DocumentOrigin | undefined;
  /** Emit the aggregate *_BULK_CREATED event (bulk surfaces). */
  bulkEvent?: boolean | undefined;
  /** The dialect has no place_of_supply field (seeds/004): see PrepareOptions. */
  noPlaceField?: boolean | undefined;
}

export interface CreateOutcome {
  results: ItemResult[];
  succeeded: number;
  failed: number;
}

type Slot = { input: DocumentInput; origin?: DocumentOrigin | undefined; prepared?: PreparedDocument; error?: DomainError };

const prepareOptions = (ctx: Context, options: CreateOptions, now: string, slot: Slot) => ({
  kind: options.kind,
  maxLineItems: options.maxLineItems,
  now,
  clock: ctx.clock,
  origin: slot.origin ?? options.origin,
  noPlaceField: options.noPlaceField,
});

function prepareAll(slots: Slot[], refs: References, ctx: Context, options: CreateOptions, now: string): void {
  for (const slot of slots) {
    if (slot.error) continue;
    try {
      slot.prepared = prepareDocument(slot.input, refs, prepareOptions(ctx, options, now, slot));
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

/** A refusal the pre-checks could not foresee: a row created or deleted concurrently. */
const isRefusal = (error: unknown) => isUniqueViolation(error) || isForeignKeyViolation(error);

function refusalError(error: unknown, kind: InvoiceKind): DomainError {
  if (isUniqueViolation(error)) return new DomainError('conflict.duplicate', 'This document conflicts with one created concurrently.', kind === 'bill' ? 'bill_number' : undefined);
  return new DomainError('not_found.resource', 'A referenced record was deleted concurrently.', kind === 'bill' ? 'vendor_id' : 'customer_id');
}

type Written = Map<Slot, DocumentView>;

/** A bulk call's aggregate event (SPEC §6.1), when the caller asked for one. */
function bulkEvents(options: CreateOptions, succeeded: number, total: number): OutboxEvent[] {
  if (!options.bulkEvent) return [];
  return [{ type: `${eventPrefix(options.kind)}_BULK_CREATED`, data: { count: succeeded, failed: total - succeeded, batch_size: total } }];
}

/**
 * The normal path: every good document in one set of set-based statements. The outcome is
 * known before writing, so the aggregate event shares the documents' outbox row.
 */
async function writeTogether(tx: Tx, batch: Batch, baseUrl: string, options: CreateOptions): Promise<Written> {
  const good = batch.slots.filter((s) => s.prepared);
  const aggregate = bulkEvents(options, good.length, batch.slots.length);
  const views = await writeDocuments(tx, batch.refs.business, good.map((s) => s.prepared as PreparedDocument), batch.now, baseUrl, aggregate);
  return new Map(good.map((s, i) => [s, views[i] as DocumentView]));
}

/** The fallback after a refusal: one savepoint per document, so only offending rows fail. */
async function writeOneByOne(tx: Tx, batch: Batch, options: CreateOptions, ctx: Context): Promise<Written> {
  const { kind } = options;
  const baseUrl = ctx.baseUrl;
  const written: Written = new Map();
  for (const slot of batch.slots.filter((s) => s.prepared)) {
    await sql`savepoint document`.execute(tx);
    try {
      const [view] = await writeDocuments(tx, batch.refs.business, [slot.prepared as PreparedDocument], batch.now, baseUrl);
      await sql`release savepoint document`.execute(tx);
      written.set(slot, view as DocumentView);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      await sql`rollback to savepoint document`.execute(tx);
      slot.error = refusalError(error, kind);
    }
  }
  await emitEvents(tx, ctx.businessId, batch.now, bulkEvents(options, written.size, batch.slots.length));
  return written;
}

interface Batch {
  refs: References;
  slots: Slot[];
  now: string;
}

/** Everything outside the transaction: validate, resolve references (one query per kind), price. */
async function prepareBatch(ctx: Context, inputs: (DocumentInput | DomainError)[], options: CreateOptions, origins: DocumentOrigin[] = []): Promise<Batch> {
  const now = ctx.clock().toISOString();
  const slots: Slot[] = inputs.map((input, i) => (input instanceof DomainError ? { input: { line_items: [] }, error: input } : { input, origin: origins[i] }));
  const valid = slots.filter((s) => !s.error).map((s) => s.input);
  const refs = await resolveReferences(ctx.db, ctx.businessId, options.kind, valid);
  prepareAll(slots, refs, ctx, options, now);
  if (options.kind === 'bill') await rejectDuplicateBills(ctx, slots);
  return { refs, slots, now };
}

async function writeBatch(tx: Tx, batch: Batch, ctx: Context, options: CreateOptions, oneByOne: boolean): Promise<CreateOutcome> {
  const { slots } = batch;
  const written = oneByOne ? await writeOneByOne(tx, batch, options, ctx) : await writeTogether(tx, batch, ctx.baseUrl, options);
  const results: ItemResult[] = slots.map((slot) => {
    const document = written.get(slot);
    return document ? { ok: true, document } : { ok: false, error: slot.error as DomainError };
  });
  const succeeded = written.size;
  return { results, succeeded, failed: slots.length - succeeded };
}

/**
 * Creates invoices or bills from client input, each item independently (SPEC §6.1). One
 * transaction writes every good item; the outcome lists, in request order, exactly what
 * committed. Entries that failed validation upstream arrive as DomainErrors in place.
 * Rows are pre-checked, so the database refusing the batch is rare (a concurrent change);
 * then the whole transaction is retried one savepoint per row, and only those rows fail.
 */
export async function createDocuments(ctx: Context, inputs: (DocumentInput | DomainError)[], options: CreateOptions): Promise<CreateOutcome> {
  const batch = await prepareBatch(ctx, inputs, options);
  try {
    return await transact(ctx, (tx) => writeBatch(tx, batch, ctx, options, false));
  } catch (error) {
    if (!isRefusal(error)) throw error;
    return transact(ctx, (tx) => writeBatch(tx, batch, ctx, options, true));
  }
}

/** Single create: the same path with one item; its failure is the request's error and nothing commits. */
export async function createDocument(ctx: Context, input: DocumentInput, options: CreateOptions): Promise<DocumentView> {
  const batch = await prepareBatch(ctx, [input], options);
  const early = batch.slots[0]?.error;
  if (early) throw early;
  try {
    return await transact(ctx, async (tx) => {
      const [result] = (await writeBatch(tx, batch, ctx, options, false)).results;
      if (!result?.ok) throw new Error('a prepared document was not written');
      return result.document;
    });
  } catch (error) {
    if (isRefusal(error)) throw refusalError(error, options.kind);
    throw error;
  }
}

/**
 * Lines that join documents inside the writing transaction, taken from rows the caller claims
 * there (delayed charges, seeds/004). `collect` sees the prepared documents, whose ids stay
 * as they are, and returns extra lines by document index; they are priced with the
 * document's own lines.
 */
export interface ExtraLines {
  collect(tx: Tx, documents: PreparedDocument[], now: string): Promise<Map<number, LineItemInput[]>>;
}

export interface AllOrNothingOptions extends CreateOptions {
  /** The request's name for its list of documents: item 3's error names `${listField}[3].<field>`. */
  listField: string;
  extraLines?: ExtraLines | undefined;
}

/** Reported at once, so a client fixes a batch in one round; beyond that, the rest can wait. */
const MAX_REPORTED_ERRORS = 100;

/** The first failing item decides the status; with a 422, every invalid item is listed. */
function throwItemErrors(slots: Slot[], listField: string): void {
  const errors = slots.flatMap((s, i) => (s.error ? [within(s.error, `${listField}[${i}]`)] : []));
  const [first, ...rest] = errors;
  if (!first) return;
  if (first.status !== 422) throw first;
  throw new DomainErrors([first, ...rest.filter((e) => e.status === 422).slice(0, MAX_REPORTED_ERRORS - 1)]);
}

/** Appends the extra lines to their documents and prices those documents again. */
async function addExtraLines(tx: Tx, ctx: Context, batch: Batch, options: AllOrNothingOptions, extra: ExtraLines): Promise<void> {
  const lines = await extra.collect(tx, batch.slots.map((s) => s.prepared as PreparedDocument), batch.now);
  const itemIds = [...lines.values()].flat().flatMap((l) => (l.item_id && !batch.refs.items.has(l.item_id) ? [l.item_id] : []));
  for (const [id, item] of await findRecords(tx, ctx.businessId, 'items', itemIds)) batch.refs.items.set(id, item);
  for (const [index, added] of lines) {
    const slot = batch.slots[index] as Slot;
    slot.input = { ...slot.input, line_items: [...slot.input.line_items, ...added] };
    try {
      const id = slot.prepared?.invoice.id;
      slot.prepared = prepareDocument(slot.input, batch.refs, { ...prepareOptions(ctx, options, batch.now, slot), id });
    } catch (error) {
      if (error instanceof DomainError) throw within(error, `${options.listField}[${index}]`);
      throw error;
    }
  }
}

/**
 * Creates every document or none (seeds/004): if any item fails nothing is written; the first
 * failing item (request order) decides the error, and a 422 lists every invalid item.
 * Otherwise the same preparation, pricing and set-based write as createDocuments, in one
 * transaction; views come back in request order.
 */
export async function createAllDocuments(ctx: Context, inputs: DocumentInput[], options: AllOrNothingOptions): Promise<DocumentView[]> {
  const batch = await prepareBatch(ctx, inputs, options);
  throwItemErrors(batch.slots, options.listField);
  const { extraLines } = options;
  try {
    return await transact(ctx, async (tx) => {
      if (extraLines) await addExtraLines(tx, ctx, batch, options, extraLines);
      const { results } = await writeBatch(tx, batch, ctx, options, false);
      return results.map((r) => {
        if (!r.ok) throw new Error('a prepared document was not written');
        return r.document;
      });
    });
  } catch (error) {
    if (isRefusal(error)) throw refusalError(error, options.kind);
    throw error;
  }
}

/** A document and where it comes from: each scheduled invoice names its own template. */
export interface SourcedInput {
  input: DocumentInput;
  origin: DocumentOrigin;
}

/**
 * createDocuments inside the caller's transaction, each document with its own origin: the
 * recurring scheduler, whose template locks and advances commit with the invoices they made.
 * A document whose preparation fails fails alone; extra lines (delayed charges) join the good
 * ones. A refusal by the database rolls the caller's whole transaction back, for it to retry.
 */
export async function createDocumentsIn(tx: Tx, ctx: Context, items: SourcedInput[], options: CreateOptions & { extraLines?: ExtraLines | undefined }): Promise<CreateOutcome> {
  const inTx: Context = { ...ctx, db: tx, hooks: undefined };
  const batch = await prepareBatch(inTx, items.map((i) => i.input), options, items.map((i) => i.origin));
  if (options.extraLines) {
    const good: Batch = { ...batch, slots: batch.slots.filter((s) => s.prepared) };
    await addExtraLines(tx, inTx, good, { ...options, listField: 'documents' }, options.extraLines);
  }
  return writeBatch(tx, batch, inTx, options, false);
}
