import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { deleteDelayedCharge, type ChargePatch, updateDelayedCharge } from '../../modules/charges/change-charge.ts';
import { type ChargeInput, createDelayedCharge } from '../../modules/charges/create-charge.ts';
import { getDelayedCharge, listDelayedCharges } from '../../modules/charges/read-charges.ts';
import { businessOf } from '../auth.ts';
import { LineItemInput } from '../document-schemas.ts';
import { contextOf, respond } from '../respond.ts';
import { Closed, CurrencyCode, errorResponses, Id, IdParams, ListQuery, MinorUnits, Nullable, PageOf, Percent, Timestamp } from '../schemas.ts';
import { formatNative } from './format.ts';

const tags = ['delayed-charges'];

const terms = {
  description: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Text of the invoice line; defaults to the item name.' })),
  quantity: Type.Optional({ ...LineItemInput.properties.quantity, description: 'Greater than 0, at most 4 decimal places; default 1.' }),
  unit_price: Type.Optional({ ...MinorUnits, description: 'Minor units; defaults to the item price (or amount ÷ quantity).' }),
  amount: Type.Optional({
    ...MinorUnits,
    description: 'The line total before tax (minor units). Alone: quantity 1 at this price. With quantity: the unit price is amount ÷ quantity, which must be whole minor units. With quantity and unit_price: they must agree.',
  }),
  currency: Type.Optional({ ...CurrencyCode, description: "Default: the customer's currency, else the business's." }),
  tax_rate: Type.Optional(Percent),
};

const ChargeCreate = Closed(
  { customer_id: Id, item_id: Type.Optional({ ...Id, description: 'Fills in description, unit_price and tax_rate when left out.' }), ...terms },
  { title: 'DelayedChargeCreate' },
);
const ChargeUpdate = Closed(terms, { minProperties: 1, title: 'DelayedChargeUpdate' });

const DelayedCharge = Type.Object(
  {
    id: Type.String(),
    customer_id: Type.String(),
    item_id: Nullable(Type.String()),
    description: Type.String(),
    quantity: Type.Number(),
    unit_price: Type.Integer(),
    amount: Type.Integer({ description: 'round-half-up(quantity × unit_price): the line amount before tax.' }),
    currency: Type.String(),
    tax_rate: Type.Number(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('invoiced')]),
    invoice_id: Nullable(Type.String()),
    invoiced_at: Nullable(Timestamp),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'DelayedCharge' },
);

const ListChargesQuery = Closed({
  ...ListQuery.properties,
  customer_id: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('invoiced')])),
});

type ListParams = { limit: number; cursor?: string; include_total: boolean; customer_id?: string; status?: 'pending' | 'invoiced' };

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

function registerWrites(app: FastifyInstance): void {
  app.post(
    '/delayed-charges',
    {
      config: { scope: 'charges.CREATE' },
      schema: {
        tags,
        operationId: 'create_delayed_charge_api_v1_delayed_charges_post',
        summary: 'Record a delayed charge',
        description: "Records an amount to bill a customer later; the next batch invoice with include_delayed_charges sweeps it in as a line.",
        body: ChargeCreate,
        response: { 201: DelayedCharge, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    (request, reply) =>
      respond(request, reply, { status: 201, format: formatNative, body: (view) => view }, (ctx) => createDelayedCharge(ctx, request.body as ChargeInput)),
  );
  app.patch(
    '/delayed-charges/:id',
    {
      config: { scope: 'charges.UPDATE' },
      schema: {
        tags,
        operationId: 'update_delayed_charge_api_v1_delayed_charges__id__patch',
        summary: 'Update a pending delayed charge',
        description: 'Changes the description, price, currency or tax rate of a charge while it is pending; an invoiced charge answers 409.',
        params: IdParams,
        body: ChargeUpdate,
        response: { 200: DelayedCharge, ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request) => updateDelayedCharge(contextOf(request), idOf(request), request.body as ChargePatch),
  );
  app.delete(
    '/delayed-charges/:id',
    {
      config: { scope: 'charges.DELETE' },
      schema: {
        tags,
        operationId: 'delete_delayed_charge_api_v1_delayed_charges__id__delete',
        summary: 'Delete a pending delayed charge',
        description: 'Deletes a charge while it is pending; an invoiced charge answers 409.',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await deleteDelayedCharge(contextOf(request), idOf(request));
      return reply.code(204).send();
    },
  );
}

function registerReads(app: FastifyInstance): void {
  app.get(
    '/delayed-charges',
    {
      config: { scope: 'charges.READ' },
      schema: {
        tags,
        operationId: 'list_delayed_charges_api_v1_delayed_charges_get',
        summary: 'List delayed charges',
        description: 'Newest first, keyset-paginated; filter by customer_id and status.',
        querystring: ListChargesQuery,
        response: { 200: PageOf(DelayedCharge), ...errorResponses(401, 403, 422) },
      },
    },
    async (request) => {
      const q = request.query as ListParams;
      const page = { limit: q.limit, cursor: q.cursor, includeTotal: q.include_total };
      return listDelayedCharges(request.server.deps.db, businessOf(request).businessId, { customerId: q.customer_id, status: q.status }, page);
    },
  );
  app.get(
    '/delayed-charges/:id',
    {
      config: { scope: 'charges.READ' },
      schema: {
        tags,
        operationId: 'get_delayed_charge_api_v1_delayed_charges__id__get',
        summary: 'Get a delayed charge',
        description: 'One delayed charge, with the invoice that swept it once invoiced.',
        params: IdParams,
        response: { 200: DelayedCharge, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => getDelayedCharge(request.server.deps.db, businessOf(request).businessId, idOf(request)),
  );
}

/** Delayed charges (SPEC §4, seeds/004): recorded between billing runs, swept by batches. */
export function registerChargeRoutes(app: FastifyInstance): void {
  registerWrites(app);
  registerReads(app);
}
