import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { InvoiceKind } from '../../db/schema.ts';
import type { Scope } from '../../modules/auth/scopes.ts';
import { createDocument } from '../../modules/invoicing/create-documents.ts';
import { finalizeDocument } from '../../modules/invoicing/finalize-document.ts';
import { getDocument, listDocuments } from '../../modules/invoicing/read.ts';
import { type PaymentInput as PaymentBody, recordPayment } from '../../modules/invoicing/record-payment.ts';
import type { DocumentInput } from '../../modules/invoicing/types.ts';
import { voidDocument } from '../../modules/invoicing/void-document.ts';
import { businessOf, documentFlagScopes, requireScopes } from '../auth.ts';
import { sendPdf } from '../hosted/index.ts';
import { BillInput, BillResponse, InvoiceInput, InvoiceResponse, PaymentInput } from '../document-schemas.ts';
import { respond } from '../respond.ts';
import { Closed, errorResponses, IdParams, ListQuery, PageOf, PdfFile, Timestamp } from '../schemas.ts';
import { formatNative } from './format.ts';

interface DocumentResource {
  kind: InvoiceKind;
  path: string;
  resource: 'invoices' | 'bills';
  input: typeof InvoiceInput | typeof BillInput;
  response: typeof InvoiceResponse | typeof BillResponse;
  partyFilter: 'customer_id' | 'vendor_id';
  /** The transition that approves a draft; the other word is accepted as an alias. */
  approve: 'finalize' | 'approve';
}

const RESOURCES: DocumentResource[] = [
  { kind: 'invoice', path: '/invoices', resource: 'invoices', input: InvoiceInput, response: InvoiceResponse, partyFilter: 'customer_id', approve: 'finalize' },
  { kind: 'bill', path: '/bills', resource: 'bills', input: BillInput, response: BillResponse, partyFilter: 'vendor_id', approve: 'approve' },
];

const listQuery = (r: DocumentResource) =>
  Closed({
    ...ListQuery.properties,
    ...(r.kind === 'invoice' ? { recurring_template_id: Type.Optional(Type.String({ maxLength: 64, description: 'Invoices made by this recurring template, and the invoice it was made from.' })) } : {}),
    status: Type.Optional(
      Type.Union(['draft', 'open', 'partially_paid', 'manual_paid', 'stripe_paid', 'paid', 'void'].map((s) => Type.Literal(s)), {
        description: '`paid` means any paid status (manual_paid or stripe_paid).',
      }),
    ),
    [r.partyFilter]: Type.Optional(Type.String({ maxLength: 64 })),
    import_id: Type.Optional(Type.String({ maxLength: 64 })),
    created_from: Type.Optional({ ...Timestamp, description: 'Created at or after (inclusive).' }),
    created_to: Type.Optional({ ...Timestamp, description: 'Created at or before (inclusive).' }),
    created_after: Type.Optional({ ...Timestamp, description: 'Created strictly after.' }),
    created_before: Type.Optional({ ...Timestamp, description: 'Created strictly before.' }),
  });

type ListParams = Record<string, string | number | boolean | undefined>;

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

const TRANSITION_DOC: Record<string, (kind: string) => { summary: string; description: string }> = {
  finalize: (kind) => ({
    summary: `Finalize a ${kind}`,
    description: `Issue a draft ${kind}: it takes the next number of its series and posts its journal entry, in one transaction.`,
  }),
  approve: (kind) => ({
    summary: `Approve a ${kind}`,
    description: `Approve a draft ${kind}: it takes the next number of its series and posts its journal entry, in one transaction.`,
  }),
  void: (kind) => ({
    summary: `Void a ${kind}`,
    description: `Void a ${kind} with nothing paid; an issued one gets a reversing journal entry.`,
  }),
  payments: (kind) => ({
    summary: `Record a payment on a ${kind}`,
    description: `Record a payment (manual or stripe); the status becomes partially_paid or manual_paid / stripe_paid, and the ledger posts it.`,
  }),
};

function registerTransitions(app: FastifyInstance, r: DocumentResource): void {
  const schema = (verb: string, body?: object) => ({
    tags: [r.resource],
    ...TRANSITION_DOC[verb]?.(r.kind),
    params: IdParams,
    ...(body ? { body } : {}),
    response: { 200: r.response, ...errorResponses(400, 401, 403, 404, 409, 422) },
  });
  const config = { scope: `${r.resource}.UPDATE` as Scope };
  const send = { status: 200, format: formatNative, body: (view: unknown) => view };
  for (const verb of ['finalize', 'approve']) {
    app.post(`${r.path}/:id/${verb}`, { config, schema: { ...schema(verb), hide: verb !== r.approve } }, (request, reply) =>
      respond(request, reply, send, (ctx) => finalizeDocument(ctx, r.kind, idOf(request))),
    );
  }
  app.post(`${r.path}/:id/void`, { config, schema: schema('void') }, (request, reply) =>
    respond(request, reply, send, (ctx) => voidDocument(ctx, r.kind, idOf(request))),
  );
  app.post(`${r.path}/:id/payments`, { config, schema: { ...schema('payments', PaymentInput), response: { 201: r.response, ...errorResponses(400, 401, 403, 404, 409, 422) } } }, (request, reply) =>
    respond(request, reply, { ...send, status: 201 }, (ctx) => recordPayment(ctx, r.kind, idOf(request), request.body as PaymentBody)),
  );
}

function registerResource(app: FastifyInstance, r: DocumentResource): void {
  const tags = [r.resource];
  app.post(
    r.path,
    {
      config: { scope: `${r.resource}.CREATE` as Scope },
      schema: {
        tags,
        summary: `Create a ${r.kind}`,
        description: `Create one ${r.kind} (a draft, or issued at once with auto_approve); lines auto-fill from their item.`,
        body: r.input,
        response: { 201: r.response, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    (request, reply) => {
      requireScopes(request, documentFlagScopes(r.resource, [request.body]));
      return respond(request, reply, { status: 201, format: formatNative, body: (view) => view }, (ctx) =>
        createDocument(ctx, request.body as DocumentInput, { kind: r.kind, maxLineItems: request.server.deps.config.maxLineItems }),
      );
    },
  );
  app.get(
    r.path,
    {
      config: { scope: `${r.resource}.READ` as Scope },
      schema: {
        tags,
        summary: `List ${r.resource}`,
        description: `A page of ${r.resource}, newest first, filtered by status, ${r.partyFilter}, import and creation time.`,
        querystring: listQuery(r),
        response: { 200: PageOf(r.response), ...errorResponses(401, 403, 422) },
      },
    },
    async (request) => {
      const q = request.query as ListParams;
      const filters = {
        status: q.status as string | undefined,
        partyId: q[r.partyFilter] as string | undefined,
        importId: q.import_id as string | undefined,
        recurringTemplateId: q.recurring_template_id as string | undefined,
        createdFrom: q.created_from as string | undefined,
        createdTo: q.created_to as string | undefined,
        createdAfter: q.created_after as string | undefined,
        createdBefore: q.created_before as string | undefined,
      };
      const page = { limit: q.limit as number, cursor: q.cursor as string | undefined, includeTotal: q.include_total as boolean };
      return listDocuments(request.server.deps.db, businessOf(request).businessId, r.kind, filters, page, request.server.deps.config.publicUrl);
    },
  );
  app.get(
    `${r.path}/:id`,
    {
      config: { scope: `${r.resource}.READ` as Scope },
      schema: {
        tags,
        summary: `Get a ${r.kind}`,
        description: `One ${r.kind} with its lines, tax, payments and journal entries; another business's id is 404.`,
        params: IdParams,
        response: { 200: r.response, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => getDocument(request.server.deps.db, businessOf(request).businessId, r.kind, idOf(request), request.server.deps.config.publicUrl),
  );
  app.get(
    `${r.path}/:id/pdf`,
    {
      config: { scope: `${r.resource}.READ` as Scope },
      schema: {
        tags,
        summary: `Download a ${r.kind} as PDF`,
        description: `The ${r.kind} rendered from the one document template, as a PDF.`,
        params: IdParams,
        produces: ['application/pdf'],
        response: { 200: PdfFile, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { businessId } = businessOf(request);
      const view = await getDocument(request.server.deps.db, businessId, r.kind, idOf(request), request.server.deps.config.publicUrl);
      return sendPdf(reply, view);
    },
  );
  registerTransitions(app, r);
}

export function registerDocumentRoutes(app: FastifyInstance): void {
  for (const resource of RESOURCES) registerResource(app, resource);
}
