import { sql } from 'kysely';
import { uuidv7 } from '../../ids.ts';
import { DomainError, notFound } from '../../domain/errors.ts';
import { type Context, type Db, type Tx, transact } from '../context.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../db-errors.ts';
import { decodeCursor, keysetClause, type Page, type PageRequest, toPage, totalOf } from '../pagination.ts';

/**
 * Customers, vendors and items are plain tenant records with the same life cycle:
 * client-chosen or UUIDv7 ids, create/get/list/update/delete, keyset lists.
 */
export type CatalogTable = 'customers' | 'vendors' | 'items';

const NOUN: Record<CatalogTable, string> = { customers: 'Customer', vendors: 'Vendor', items: 'Item' };

// Kysely cannot narrow a query over a union of table names; every query below is the same
// SQL for each table, so they are typed through `customers` and return loose rows.
export type AnyRow = Record<string, unknown> & { id: string; created_at: string };

export async function insertRecord(ctx: Context, name: CatalogTable, values: Record<string, unknown>): Promise<AnyRow> {
  const now = ctx.clock().toISOString();
  const row = { ...values, id: values.id ?? uuidv7(), business_id: ctx.businessId, created_at: now, updated_at: now };
  return transact(ctx, async (tx) => {
    try {
      return (await tx.insertInto(name as 'customers').values(row as never).returningAll().executeTakeFirstOrThrow()) as unknown as AnyRow;
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new DomainError('conflict.duplicate', `${NOUN[name]} '${String(row.id)}' already exists.`, 'id');
      }
      throw error;
    }
  });
}

export async function getRecord(db: Db | Tx, businessId: string, name: CatalogTable, id: string): Promise<AnyRow> {
  const row = await db
    .selectFrom(name as 'customers')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound(NOUN[name], id);
  return row as unknown as AnyRow;
}

/** One round trip for every id of one kind a request references (bulk paths). */
export async function findRecords(db: Db | Tx, businessId: string, name: CatalogTable, ids: string[]): Promise<Map<string, AnyRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom(name as 'customers')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('id', '=', sql<string>`any(${[...new Set(ids)]}::text[])`)
    .execute();
  return new Map(rows.map((row) => [row.id, row as unknown as AnyRow]));
}

export async function listRecords(db: Db, businessId: string, name: CatalogTable, page: PageRequest): Promise<Page<AnyRow>> {
  const keyset = decodeCursor(page.cursor);
  const clause = keysetClause(keyset);
  let query = db.selectFrom(name as 'customers').selectAll().where('business_id', '=', businessId);
  if (clause.where) query = query.where(clause.where);
  const rows = await query.orderBy(clause.order as never).limit(page.limit + 1).execute();
  const total = await totalOf(db.selectFrom(name as 'customers').where('business_id', '=', businessId), page);
  return toPage(rows as unknown as AnyRow[], page, keyset, total, (row) => row);
}

export async function updateRecord(ctx: Context, name: CatalogTable, id: string, patch: Record<string, unknown>): Promise<AnyRow> {
  return transact(ctx, async (tx) => {
    const row = await tx
      .updateTable(name as 'customers')
      .set({ ...patch, updated_at: ctx.clock().toISOString() } as never)
      .where('business_id', '=', ctx.businessId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound(NOUN[name], id);
    return row as unknown as AnyRow;
  });
}

export async function deleteRecord(ctx: Context, name: CatalogTable, id: string): Promise<{ id: string; deleted: true }> {
  return transact(ctx, async (tx) => {
    try {
      const result = await tx
        .deleteFrom(name as 'customers')
        .where('business_id', '=', ctx.businessId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw notFound(NOUN[name], id);
      return { id, deleted: true as const };
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new DomainError('conflict.in_use', `${NOUN[name]} '${id}' is used by invoices, bills, orders or delayed charges and cannot be deleted.`);
      }
      throw error;
    }
  });
}
