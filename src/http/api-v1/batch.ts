import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { type BatchInput, createBatchInvoices } from '../../modules/invoicing/create-batch-invoices.ts';
import type { DocumentView } from '../../modules/invoicing/view.ts';
import { InvoiceResponse, LineItemInput } from '../document-schemas.ts';
import { requireScopes } from '../auth.ts';
import { respond } from '../respond.ts';
import { Closed, DateString, errorResponses, Id, MinorUnits, PageOf, Percent, Text } from '../schemas.ts';
import { formatNative } from './format.ts';

/** Request schemas of seeds/004, with their names there; limits come from the configuration. */
function batchRequest(maxItems: number, maxLineItems: number) {
  const line = Closed(
    {
      description: Type.String({ minLength: 1, maxLength: 200, description: 'Line text.' }),
      quantity: LineItemInput.properties.quantity,
      unit_price: MinorUnits,
      item_id: Type.Optional({ ...Id, description: 'Links the line to an item: fills in its HSN code, and its tax rate when tax_rate is left out.' }),
      tax_rate: Type.Optional(Percent),
    },
    { title: 'BatchInvoiceLineItem' },
  );
  const item = Closed(
    {
      customer_id: { ...Id, description: 'Customer ID' },
      line_items: Type.Array(line, { minItems: 1, maxItems: maxLineItems, description: 'Line items' }),
      due_date: { ...DateString, description: 'Due date YYYY-MM-DD' },
      description: Type.Optional({ ...Text(2000), description: 'Invoice description' }),
    },
    { title: 'BatchInvoiceItem' },
  );
  return Closed(
    {
      items: Type.Array(item, { minItems: 1, maxItems, description: `List of invoices to create (1 to BATCH_MAX_ITEMS, here ${maxItems})` }),
      include_delayed_charges: Type.Optional(
        Type.Boolean({ description: "If true, sweep pending delayed charges for each customer into their invoice (the customer's first in the batch, same currency)" }),
      ),
      finalize: Type.Optional(Type.Boolean({ description: 'Auto-finalize invoices after creation (number + ledger)' })),
    },
    { title: 'BatchInvoiceRequest' },
  );
}

/** The batch answers like an invoice list holding exactly the invoices it created. */
const listResponse = (views: DocumentView[]) => ({
  items: views,
  total: views.length,
  limit: views.length,
  next_cursor: null,
  prev_cursor: null,
  has_next: false,
  has_prev: false,
});

/** POST /api/v1/invoices/batch (seeds/004): all-or-nothing batch with delayed charges. */
export function registerBatchRoutes(app: FastifyInstance): void {
  const { batchMaxItems, maxLineItems } = app.deps.config;
  app.post(
    '/invoices/batch',
    {
      config: { scope: 'invoices.CREATE' },
      schema: {
        operationId: 'create_batch_invoices_api_v1_invoices_batch_post',
        tags: ['invoices'],
        summary: 'Batch create invoices',
        description:
          'Create invoices for multiple customers in one action, optionally sweeping delayed charges. All or nothing: an unknown customer is a 404 and an invalid item a 422 naming it, and then nothing is created and no charge changes.',
        body: batchRequest(batchMaxItems, maxLineItems),
        response: { 201: { ...PageOf(InvoiceResponse), title: 'InvoiceListResponse' }, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    (request, reply) => {
      const body = request.body as BatchInput;
      requireScopes(request, [body.finalize === true && 'invoices.UPDATE', body.include_delayed_charges === true && 'charges.UPDATE']);
      return respond(request, reply, { status: 201, format: formatNative, body: listResponse }, (ctx) => createBatchInvoices(ctx, body, { maxLineItems }));
    },
  );
}
