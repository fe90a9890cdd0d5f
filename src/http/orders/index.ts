import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { minorToMajorNumber } from '../../domain/money.ts';
import { invoiceOrders, type OrderInvoice } from '../../modules/orders/invoice-orders.ts';
import { installErrorFormat } from '../errors.ts';
import { requireScopes } from '../auth.ts';
import { respond } from '../respond.ts';
import { Closed, errorResponses, Timestamp } from '../schemas.ts';
import { validatorCompiler } from '../validation.ts';
import { parseBody } from './body.ts';
import { formatOrders } from './format.ts';

const InvoiceFromOrder = Type.Object({
  order: Type.String({ description: 'The order id.' }),
  entityId: Type.String({ description: 'Per-business sequential id of invoices made from orders: "1", "2", … without gaps.' }),
  lineItems: Type.Array(
    Type.Object({
      lineItemId: Type.String({ description: "The order line's id." }),
      quantity: Type.Number(),
      id: Type.String({ description: "The invoice line's id." }),
    }),
  ),
  total: Type.Number({ description: "Decimal major units of the order's currency (3684.78; JPY has no decimals)." }),
  createdBy: Type.Object({ id: Type.String(), name: Type.String(), type: Type.String() }),
  metaFields: Type.Array(Type.Object({ key: Type.String(), value: Type.Unknown() }), { description: "The order's meta as {key, value} pairs, by key." }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  id: Type.String({ description: 'The invoice id (the same invoice as GET /api/v1/invoices/{id}).' }),
});

const Body = Closed({
  orderIds: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), { minItems: 1, maxItems: 100, description: '1 to BULK_MAX_ORDER_IDS (default 100) order ids; repeats count once.' }),
  finalize: Type.Optional(Type.Boolean({ default: true, description: 'false keeps the invoices drafts (no number, no ledger entry).' })),
});

const metaFields = (meta: OrderInvoice['meta']) =>
  Object.keys(meta)
    .sort()
    .map((key) => ({ key, value: meta[key] }));

function wireInvoice(r: OrderInvoice) {
  const { invoice } = r;
  return {
    order: r.orderId,
    entityId: invoice.entity_id as string,
    lineItems: invoice.line_items.map((line, i) => ({ lineItemId: r.orderLineIds[i] as string, quantity: line.quantity, id: line.id })),
    total: minorToMajorNumber(invoice.total, invoice.currency),
    createdBy: r.createdBy,
    metaFields: metaFields(r.meta),
    createdAt: invoice.created_at,
    updatedAt: invoice.updated_at,
    id: invoice.id,
  };
}

function responseBody(results: OrderInvoice[]) {
  const created = results.filter((r) => r.created).length;
  const existing = results.length - created;
  const message = `${created} invoice${created === 1 ? '' : 's'} created${existing > 0 ? `, ${existing} already existed` : ''}.`;
  return { success: true, data: results.map(wireInvoice), message, count: results.length };
}

/** The seeds/003 dialect: POST /invoices/bulk {orderIds} → one invoice per order. */
export async function ordersSurface(app: FastifyInstance): Promise<void> {
  installErrorFormat(app, formatOrders);
  app.post(
    '/invoices/bulk',
    {
      config: { scope: 'invoices.CREATE' },
      // The body is checked by parseBody, which words each refusal as seeds/003 does.
      validatorCompiler: ({ httpPart, ...rest }) => (httpPart === 'body' ? () => true : validatorCompiler({ httpPart, ...rest })),
      schema: {
        tags: ['orders'],
        summary: 'Create invoices from orders',
        operationId: 'create_invoices_from_orders_invoices_bulk_post',
        description:
          'seeds/003. One invoice per order, in the order of orderIds; an order already invoiced returns its existing invoice. Invoices are finalized (numbered, posted) unless finalize is false. ' +
          'Any unknown, cancelled or other business\'s order → 404 naming the first one, and nothing is created. Token in accessToken (raw or "Bearer …") or Authorization: Bearer.',
        body: Body,
        response: {
          201: Type.Object({ success: Type.Literal(true), data: Type.Array(InvoiceFromOrder), message: Type.String(), count: Type.Integer() }),
          // Documented in this dialect by the contract, with 400/401/403/429/500 (src/http/contract).
          ...errorResponses(404),
        },
      },
    },
    (request, reply) => {
      const { config } = request.server.deps;
      const body = parseBody(request.body, config.bulkMaxOrderIds);
      // Invoicing an order marks it invoiced, and (by default) finalizes its invoice.
      requireScopes(request, ['orders.UPDATE', body.finalize && 'invoices.UPDATE']);
      const options = { finalize: body.finalize, maxLineItems: config.maxLineItems };
      return respond(request, reply, { status: 201, format: formatOrders, body: responseBody }, (ctx) => invoiceOrders(ctx, body.orderIds, options));
    },
  );
}
