import type { FastifyInstance } from 'fastify';
import { type TSchema, Type } from 'typebox';
import type { Scope } from '../../modules/auth/scopes.ts';
import { itemColumns, itemToWire, partyColumns, partyToWire } from '../../modules/catalog/inputs.ts';
import {
  type AnyRow,
  type CatalogTable,
  deleteRecord,
  getRecord,
  insertRecord,
  listRecords,
  updateRecord,
} from '../../modules/catalog/records.ts';
import type { Db } from '../../modules/context.ts';
import { creditBalances } from '../../modules/notes/customer-credits.ts';
import { businessOf } from '../auth.ts';
import { contextOf, respond } from '../respond.ts';
import { errorResponses, IdParams, ListQuery, PageOf } from '../schemas.ts';
import { Item, ItemCreate, ItemUpdate, Party, PartyCreate, PartyUpdate } from './catalog-schemas.ts';
import { formatNative } from './format.ts';

interface CatalogResource {
  path: string;
  /** Singular noun for summaries: 'customer'. */
  noun: string;
  table: CatalogTable;
  tag: string;
  create: TSchema;
  update: TSchema;
  response: TSchema;
  columns: (input: Record<string, unknown>) => Record<string, unknown>;
  toWire: (row: AnyRow) => unknown;
  /** Adds what the row is shown with from elsewhere (a customer's credit balance). */
  enrich?: (db: Db, businessId: string, rows: AnyRow[]) => Promise<AnyRow[]>;
}

async function withCreditBalances(db: Db, businessId: string, rows: AnyRow[]): Promise<AnyRow[]> {
  const balances = await creditBalances(db, businessId, rows.map((r) => r.id));
  return rows.map((row) => ({ ...row, credit_balance: balances.get(row.id) ?? {} }));
}

const customerToWire = (row: AnyRow) => ({ ...partyToWire(row), credit_balance: row.credit_balance ?? {} });

const RESOURCES: CatalogResource[] = [
  { path: '/customers', noun: 'customer', table: 'customers', tag: 'customers', create: PartyCreate, update: PartyUpdate, response: Party, columns: partyColumns, toWire: customerToWire, enrich: withCreditBalances },
  { path: '/vendors', noun: 'vendor', table: 'vendors', tag: 'vendors', create: PartyCreate, update: PartyUpdate, response: Party, columns: partyColumns, toWire: partyToWire },
  { path: '/items', noun: 'item', table: 'items', tag: 'items', create: ItemCreate, update: ItemUpdate, response: Item, columns: itemColumns, toWire: itemToWire },
];

const scope = (resource: CatalogResource, action: 'CREATE' | 'READ' | 'UPDATE' | 'DELETE') => `${resource.table}.${action}` as Scope;

type Params = { id: string };
type Query = { limit: number; cursor?: string; include_total: boolean };

function registerResource(app: FastifyInstance, r: CatalogResource): void {
  const tags = [r.tag];
  app.post(
    r.path,
    {
      config: { scope: scope(r, 'CREATE') },
      schema: {
        tags,
        summary: `Create a ${r.noun}`,
        description: `Create a ${r.noun}; \`id\` may be chosen by the client (1–64 of [A-Za-z0-9_-]), otherwise a UUIDv7 is given. A taken id is 409.`,
        body: r.create, response: { 201: r.response, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    (request, reply) =>
      respond(request, reply, { status: 201, format: formatNative, body: r.toWire }, (ctx) =>
        insertRecord(ctx, r.table, r.columns(request.body as Record<string, unknown>)),
      ),
  );
  app.get(
    r.path,
    {
      config: { scope: scope(r, 'READ') },
      schema: {
        tags,
        summary: `List ${r.table}`,
        description: `A page of ${r.table}, newest first; pass \`next_cursor\` back as \`cursor\` for the next page. \`total\` only with include_total=true.`,
        querystring: ListQuery,
        response: { 200: PageOf(r.response), ...errorResponses(401, 403, 422) },
      },
    },
    async (request) => {
      const query = request.query as Query;
      const page = await listRecords(request.server.deps.db, businessOf(request).businessId, r.table, {
        limit: query.limit,
        cursor: query.cursor,
        includeTotal: query.include_total,
      });
      const items = r.enrich ? await r.enrich(request.server.deps.db, businessOf(request).businessId, page.items) : page.items;
      return { ...page, items: items.map(r.toWire) };
    },
  );
  app.get(
    `${r.path}/:id`,
    {
      config: { scope: scope(r, 'READ') },
      schema: {
        tags,
        summary: `Get a ${r.noun}`,
        description: `One ${r.noun} of this business by id; another business's id is 404.`,
        params: IdParams,
        response: { 200: r.response, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { db } = request.server.deps;
      const { businessId } = businessOf(request);
      const row = await getRecord(db, businessId, r.table, (request.params as Params).id);
      const [shown] = r.enrich ? await r.enrich(db, businessId, [row]) : [row];
      return r.toWire(shown as AnyRow);
    },
  );
  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: `${r.path}/:id`,
      config: { scope: scope(r, 'UPDATE') },
      schema: {
        tags,
        summary: method === 'PATCH' ? `Update a ${r.noun}` : `Update a ${r.noun} (PUT)`,
        description: `Change the fields given, leave the others as they are${method === 'PUT' ? '; the same as PATCH' : ''}.`,
        params: IdParams,
        body: r.update,
        response: { 200: r.response, ...errorResponses(401, 403, 404, 422) },
      },
      handler: async (request) => {
        const ctx = contextOf(request);
        const row = await updateRecord(ctx, r.table, (request.params as Params).id, r.columns(request.body as Record<string, unknown>));
        const [shown] = r.enrich ? await r.enrich(ctx.db, ctx.businessId, [row]) : [row];
        return r.toWire(shown as AnyRow);
      },
    });
  }
  app.delete(
    `${r.path}/:id`,
    {
      config: { scope: scope(r, 'DELETE') },
      schema: {
        tags,
        summary: `Delete a ${r.noun}`,
        description: `Delete a ${r.noun} that no document refers to; one still in use is 409 (conflict.in_use).`,
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await deleteRecord(contextOf(request), r.table, (request.params as Params).id);
      return reply.code(204).send();
    },
  );
}

export function registerCatalogRoutes(app: FastifyInstance): void {
  for (const resource of RESOURCES) registerResource(app, resource);
}
