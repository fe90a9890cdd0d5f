import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Scope } from '../../modules/auth/scopes.ts';
import { documentFlagScopes, requireScopes } from '../auth.ts';
import { createDocument, createDocuments, type CreateOutcome } from '../../modules/invoicing/create-documents.ts';
import type { DocumentInput } from '../../modules/invoicing/types.ts';
import { documentJson } from '../../modules/invoicing/view.ts';
import { BillInput, BillResponse, InvoiceInput, InvoiceResponse } from '../document-schemas.ts';
import { installErrorFormat } from '../errors.ts';
import { respond } from '../respond.ts';
import { Closed } from '../schemas.ts';
import { compileBodyValidator, validatorCompiler } from '../validation.ts';
import { observeBulkItems } from '../ops/metrics.ts';
import { formatBulk, itemError } from './format.ts';
import { checkBatchSize, checkItem, ItemErrorSchema } from './items.ts';
import { registerBulkCreditNotes } from './notes.ts';
import { registerBulkOrders } from './orders.ts';
import { registerBulkRecurring } from './recurring.ts';

interface Dialect {
  kind: 'invoice' | 'bill';
  /** Plural, the request's array field and the noun in messages. */
  plural: 'invoices' | 'bills';
  input: typeof InvoiceInput | typeof BillInput;
  response: typeof InvoiceResponse | typeof BillResponse;
}

const DIALECTS: Dialect[] = [
  { kind: 'invoice', plural: 'invoices', input: InvoiceInput, response: InvoiceResponse },
  { kind: 'bill', plural: 'bills', input: BillInput, response: BillResponse },
];

/** The request of seeds/000, shown as the example of POST /bulk/invoices. */
const SEED_REQUEST = {
  invoices: [
    { customer_id: 'ct_acme', date: '2026-05-12T00:00:00', place_of_supply: 'IN-MH', line_items: [{ item_id: 'it_widget', quantity: 1 }] },
    { customer_id: 'ct_beta', date: '2026-05-12T00:00:00', place_of_supply: 'IN-KA', line_items: [{ item_id: 'it_widget', quantity: 3 }], auto_approve: true },
  ],
};

const bulkHead = (d: Dialect, outcome: CreateOutcome) => ({
  code: 0,
  message: `${outcome.succeeded} of ${outcome.results.length} ${d.plural} created.`,
  summary: { total: outcome.results.length, succeeded: outcome.succeeded, failed: outcome.failed },
});

/** The documented response of /bulk/invoices and /bulk/bills. */
const bulkResponse = (d: Dialect) =>
  Type.Object({
    code: Type.Integer(),
    message: Type.String(),
    summary: Type.Object({ total: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer() }),
    results: Type.Array(Type.Object({ ok: Type.Boolean(), [d.kind]: Type.Optional(d.response), error: Type.Optional(ItemErrorSchema) })),
  });

export const bulkResponseSchema = (kind: Dialect['kind']) => bulkResponse(DIALECTS.find((d) => d.kind === kind) as Dialect);

/**
 * The response written around each document's JSON (documentJson): the text its *_CREATED
 * event already carries, instead of serializing the documents a second time through the
 * schema. test/bulk/response-text.test.ts holds it to what the schema's serializer writes.
 */
function serializeBulk(d: Dialect) {
  return (outcome: CreateOutcome): string => {
    const items = outcome.results.map((r) =>
      r.ok ? `{"ok":true,"${d.kind}":${documentJson(r.document)}}` : `{"ok":false,"error":${JSON.stringify(itemError(r.error))}}`,
    );
    const head = JSON.stringify(bulkHead(d, outcome));
    return `${head.slice(0, -1)},"results":[${items.join(',')}]}`;
  };
}

function registerDialect(app: FastifyInstance, d: Dialect): void {
  const validate = compileBodyValidator(d.input);
  const config = { scope: `${d.plural}.CREATE` as Scope };
  const tags = ['bulk'];
  // The route documents the full item schema but validates only the envelope: items are
  // checked one by one so that a bad item fails alone instead of failing the request.
  const envelope = compileBodyValidator(Closed({ [d.plural]: Type.Array(Type.Unknown()) }));
  app.post(
    `/bulk/${d.plural}`,
    {
      config: { ...config, textCheckedPerItem: true },
      validatorCompiler: ({ httpPart, ...rest }) => (httpPart === 'body' ? envelope : validatorCompiler({ httpPart, ...rest })),
      schema: {
        tags,
        summary: `Create up to 50 ${d.plural}`,
        description: `Create up to BULK_MAX_ITEMS (default 50) ${d.plural}, each independently; always 200 with per-item results in request order.`,
        body: Closed({ [d.plural]: Type.Array(d.input, { minItems: 1, maxItems: 50 }) }, d.kind === 'invoice' ? { examples: [SEED_REQUEST] } : {}),
        response: { 200: bulkResponse(d) },
      },
    },
    (request, reply) => {
      const items = (request.body as Record<string, unknown[]>)[d.plural] as unknown[];
      checkBatchSize(items, request.server.deps.config.bulkMaxItems, d.plural);
      requireScopes(request, documentFlagScopes(d.plural, items));
      observeBulkItems(request, items.length);
      const inputs = items.map((item) => checkItem<DocumentInput>(validate, item));
      const options = { kind: d.kind, maxLineItems: request.server.deps.config.maxLineItems, bulkEvent: true };
      const answer = { status: 200, format: formatBulk, serialize: serializeBulk(d) };
      return respond(request, reply, answer, (ctx) => createDocuments(ctx, inputs, options));
    },
  );
  app.post(
    `/${d.plural}`,
    {
      config,
      schema: {
        tags,
        summary: `Create one ${d.kind}`,
        description: `Create one ${d.kind} (same item shape as /bulk/${d.plural}).`,
        body: d.input,
        response: { 201: Type.Object({ code: Type.Integer(), message: Type.String(), [d.kind]: d.response }) },
      },
    },
    (request, reply) => {
      requireScopes(request, documentFlagScopes(d.plural, [request.body]));
      const options = { kind: d.kind, maxLineItems: request.server.deps.config.maxLineItems };
      const body = (view: unknown) => ({ code: 0, message: `The ${d.kind} has been created.`, [d.kind]: view });
      return respond(request, reply, { status: 201, format: formatBulk, body }, (ctx) => createDocument(ctx, request.body as DocumentInput, options));
    },
  );
}

/** The seeds/000 dialect at the root: /bulk/invoices, /bulk/bills, /invoices, /bills, /bulk/orders. */
export async function bulkSurface(app: FastifyInstance): Promise<void> {
  installErrorFormat(app, formatBulk);
  for (const dialect of DIALECTS) registerDialect(app, dialect);
  registerBulkOrders(app);
  registerBulkCreditNotes(app);
  registerBulkRecurring(app);
}
