import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { createOrders, type OrdersOutcome } from '../../modules/orders/create-orders.ts';
import type { OrderInput as OrderBody } from '../../modules/orders/types.ts';
import { OrderInput, OrderResponse } from '../order-schemas.ts';
import { respond } from '../respond.ts';
import { Closed } from '../schemas.ts';
import { compileBodyValidator, validatorCompiler } from '../validation.ts';
import { formatBulk, itemError } from './format.ts';
import { checkBatchSize, checkItem, ItemErrorSchema } from './items.ts';

const validateOrder = compileBodyValidator(OrderInput);
// The route documents the full item schema but validates only the envelope: orders are
// checked one by one so that a bad order fails alone instead of failing the request.
const envelope = compileBodyValidator(Closed({ orders: Type.Array(Type.Unknown()) }));

const ErrorBody = Type.Object({ code: Type.Integer(), message: Type.String(), error: ItemErrorSchema });

const bulkBody = (outcome: OrdersOutcome) => ({
  code: 0,
  message: `${outcome.succeeded} of ${outcome.results.length} orders created.`,
  summary: { total: outcome.results.length, succeeded: outcome.succeeded, failed: outcome.failed },
  results: outcome.results.map((r) => (r.ok ? { ok: true, order: r.order } : { ok: false, error: itemError(r.error) })),
});

/** POST /bulk/orders: shops push orders in bulk, seeds/000 style (per-item results, always 200). */
export function registerBulkOrders(app: FastifyInstance): void {
  app.post(
    '/bulk/orders',
    {
      config: { scope: 'orders.CREATE', textCheckedPerItem: true },
      validatorCompiler: ({ httpPart, ...rest }) => (httpPart === 'body' ? envelope : validatorCompiler({ httpPart, ...rest })),
      schema: {
        tags: ['bulk', 'orders'],
        summary: 'Create orders in bulk',
        operationId: 'create_orders_bulk_orders_post',
        description: 'Create up to BULK_MAX_ITEMS (default 50) orders, each independently; always 200 with per-item results in request order. A client-chosen id already used fails only that order (conflict.duplicate).',
        body: Closed({ orders: Type.Array(OrderInput, { minItems: 1, maxItems: 50 }) }),
        response: {
          200: Type.Object({
            code: Type.Integer(),
            message: Type.String(),
            summary: Type.Object({ total: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer() }),
            results: Type.Array(Type.Object({ ok: Type.Boolean(), order: Type.Optional(OrderResponse), error: Type.Optional(ItemErrorSchema) })),
          }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    (request, reply) => {
      const items = (request.body as { orders: unknown[] }).orders;
      const { bulkMaxItems, maxLineItems } = request.server.deps.config;
      checkBatchSize(items, bulkMaxItems, 'orders');
      const inputs = items.map((item) => checkItem<OrderBody>(validateOrder, item));
      return respond(request, reply, { status: 200, format: formatBulk, body: bulkBody }, (ctx) => createOrders(ctx, inputs, { maxLineItems }));
    },
  );
}
