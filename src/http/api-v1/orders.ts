import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { cancelOrder } from '../../modules/orders/cancel-order.ts';
import { createOrder } from '../../modules/orders/create-orders.ts';
import { getOrder, listOrders } from '../../modules/orders/read.ts';
import type { OrderInput as OrderBody } from '../../modules/orders/types.ts';
import { businessOf } from '../auth.ts';
import { OrderInput, OrderResponse } from '../order-schemas.ts';
import { respond } from '../respond.ts';
import { Closed, errorResponses, IdParams, ListQuery, PageOf } from '../schemas.ts';
import { formatNative } from './format.ts';

const tags = ['orders'];

const OrderListQuery = Closed({
  ...ListQuery.properties,
  customer_id: Type.Optional(Type.String({ maxLength: 64 })),
  invoiced: Type.Optional(Type.Boolean({ description: 'true: only orders with an invoice; false: only those without.' })),
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('invoiced'), Type.Literal('cancelled')])),
});

type ListParams = { limit: number; cursor?: string; include_total: boolean; customer_id?: string; invoiced?: boolean; status?: 'open' | 'invoiced' | 'cancelled' };

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
const send = (status: number) => ({ status, format: formatNative, body: (view: unknown) => view });

/** Orders pushed by shops (SPEC §4, seeds/003); POST /invoices/bulk turns them into invoices. */
export function registerOrderRoutes(app: FastifyInstance): void {
  app.post(
    '/orders',
    {
      config: { scope: 'orders.CREATE' },
      schema: {
        tags,
        summary: 'Create an order',
        operationId: 'create_order_api_v1_orders_post',
        description: 'Stores an order with its lines, auto-filled from items and priced as its invoice will be. A client-chosen id already used → 409.',
        body: OrderInput,
        response: { 201: OrderResponse, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    (request, reply) =>
      respond(request, reply, send(201), (ctx) => createOrder(ctx, request.body as OrderBody, { maxLineItems: request.server.deps.config.maxLineItems })),
  );
  app.get(
    '/orders',
    {
      config: { scope: 'orders.READ' },
      schema: {
        tags,
        summary: 'List orders',
        operationId: 'list_orders_api_v1_orders_get',
        description: 'Newest first, keyset-paginated; filter by customer_id, invoiced (true/false) or status.',
        querystring: OrderListQuery,
        response: { 200: PageOf(OrderResponse), ...errorResponses(401, 403, 422) },
      },
    },
    async (request) => {
      const q = request.query as ListParams;
      const filters = { customerId: q.customer_id, invoiced: q.invoiced, status: q.status };
      return listOrders(request.server.deps.db, businessOf(request).businessId, filters, { limit: q.limit, cursor: q.cursor, includeTotal: q.include_total });
    },
  );
  app.get(
    '/orders/:id',
    {
      config: { scope: 'orders.READ' },
      schema: { tags, summary: 'Get an order', operationId: 'get_order_api_v1_orders__id__get', description: 'One order with its lines and, once invoiced, its invoice_id.', params: IdParams, response: { 200: OrderResponse, ...errorResponses(401, 403, 404) } },
    },
    async (request) => getOrder(request.server.deps.db, businessOf(request).businessId, idOf(request)),
  );
  app.post(
    '/orders/:id/cancel',
    {
      config: { scope: 'orders.UPDATE' },
      schema: {
        tags,
        summary: 'Cancel an order',
        operationId: 'cancel_order_api_v1_orders__id__cancel_post',
        description: 'Cancels an order that has no invoice (again: no change). An invoiced order → 409; a cancelled order cannot be invoiced (404 on POST /invoices/bulk).',
        params: IdParams,
        response: { 200: OrderResponse, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    (request, reply) => respond(request, reply, send(200), (ctx) => cancelOrder(ctx, idOf(request))),
  );
}
