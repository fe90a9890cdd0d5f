import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { NoteKind } from '../../db/schema.ts';
import { createNote } from '../../modules/notes/create-notes.ts';
import { getNote, listNotes } from '../../modules/notes/repository.ts';
import type { NoteInput } from '../../modules/notes/types.ts';
import { voidNote } from '../../modules/notes/void-note.ts';
import { businessOf } from '../auth.ts';
import { sendNotePdf } from '../hosted/notes.ts';
import { CreditNoteInput, DebitNoteInput, NoteResponse } from '../note-schemas.ts';
import { respond } from '../respond.ts';
import { Closed, errorResponses, IdParams, ListQuery, PageOf, Timestamp } from '../schemas.ts';
import { formatNative } from './format.ts';

interface NoteResource {
  kind: NoteKind;
  /** For operation ids: CreditNote, DebitNote. */
  name: string;
  /** Path segment: credit-notes, debit-notes. */
  path: string;
  noun: string;
  input: typeof CreditNoteInput | typeof DebitNoteInput;
}

const RESOURCES: NoteResource[] = [
  { kind: 'credit_note', name: 'CreditNote', path: 'credit-notes', noun: 'credit note', input: CreditNoteInput },
  { kind: 'debit_note', name: 'DebitNote', path: 'debit-notes', noun: 'debit note', input: DebitNoteInput },
];

const NoteListQuery = Closed({
  ...ListQuery.properties,
  invoice_id: Type.Optional(Type.String({ maxLength: 64 })),
  customer_id: Type.Optional(Type.String({ maxLength: 64 })),
  created_from: Type.Optional({ ...Timestamp, description: 'Created at or after (inclusive).' }),
  created_to: Type.Optional({ ...Timestamp, description: 'Created at or before (inclusive).' }),
});

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
const tags = ['notes'];
const read = { scope: 'invoices.READ' as const };
const write = { scope: 'invoices.UPDATE' as const };

function registerCreate(app: FastifyInstance, r: NoteResource): void {
  const credit = r.kind === 'credit_note';
  app.post(
    `/invoices/:id/${r.path}`,
    {
      config: write,
      schema: {
        tags,
        summary: `Issue a ${r.noun} on an invoice`,
        description: credit
          ? 'Credits part of an issued invoice at its own rates and rounding. What exceeds the unpaid balance must be settled exactly by refund_amount + credit_amount + out_of_band_amount. GST: dated by 30 November after the financial year of the invoice (s.34(2)).'
          : 'A supplementary invoice (s.34(3)): raises what the customer owes on the invoice.',
        params: IdParams,
        body: r.input,
        response: { 201: NoteResponse, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    (request, reply) => {
      const input = { ...(request.body as Omit<NoteInput, 'invoice_id'>), invoice_id: idOf(request) };
      const options = { kind: r.kind, maxLines: request.server.deps.config.maxLineItems };
      return respond(request, reply, { status: 201, format: formatNative, body: (view) => view }, (ctx) => createNote(ctx, input, options));
    },
  );
}

function registerReads(app: FastifyInstance, r: NoteResource): void {
  app.get(
    `/${r.path}`,
    {
      config: read,
      schema: {
        tags,
        summary: `List ${r.noun}s`,
        description: `${r.noun}s of the business, newest first, filtered by invoice, customer or creation time.`,
        querystring: NoteListQuery,
        response: { 200: PageOf(NoteResponse), ...errorResponses(401, 403, 422) },
      },
    },
    async (request) => {
      const q = request.query as Record<string, string | number | boolean | undefined>;
      const filters = { invoiceId: q.invoice_id as string | undefined, customerId: q.customer_id as string | undefined, createdFrom: q.created_from as string | undefined, createdTo: q.created_to as string | undefined };
      const page = { limit: q.limit as number, cursor: q.cursor as string | undefined, includeTotal: q.include_total as boolean };
      return listNotes(request.server.deps.db, businessOf(request).businessId, r.kind, filters, page, request.server.deps.config.publicUrl);
    },
  );
  app.get(
    `/${r.path}/:id`,
    { config: read, schema: { tags, summary: `Get a ${r.noun}`, description: `One ${r.noun} with its lines and journal entries.`, params: IdParams, response: { 200: NoteResponse, ...errorResponses(401, 403, 404) } } },
    async (request) => getNote(request.server.deps.db, businessOf(request).businessId, r.kind, idOf(request), request.server.deps.config.publicUrl),
  );
  app.get(
    `/${r.path}/:id/pdf`,
    {
      config: read,
      schema: { tags, summary: `Get a ${r.noun} as PDF`, description: `The ${r.noun} as a PDF (rule 53 contents).`, params: IdParams, produces: ['application/pdf'], response: { 200: Type.String({ description: 'PDF' }), ...errorResponses(401, 403, 404) } },
    },
    async (request, reply) => {
      const { businessId } = businessOf(request);
      const view = await getNote(request.server.deps.db, businessId, r.kind, idOf(request), request.server.deps.config.publicUrl);
      return sendNotePdf(reply, view);
    },
  );
}

function registerVoid(app: FastifyInstance, r: NoteResource): void {
  const when = r.kind === 'credit_note' ? 'while nothing of it was refunded or applied' : 'while what it added is unpaid';
  app.post(
    `/${r.path}/:id/void`,
    {
      config: write,
      schema: { tags, summary: `Void a ${r.noun}`, description: `Posts the exact reversal; only ${when}.`, params: IdParams, response: { 200: NoteResponse, ...errorResponses(400, 401, 403, 404, 409) } },
    },
    (request, reply) => respond(request, reply, { status: 200, format: formatNative, body: (view) => view }, (ctx) => voidNote(ctx, r.kind, idOf(request))),
  );
}

/** Credit and debit notes under /api/v1 (issue 13). */
export function registerNoteRoutes(app: FastifyInstance): void {
  for (const r of RESOURCES) {
    registerCreate(app, r);
    registerReads(app, r);
    registerVoid(app, r);
  }
}
