import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { createNotes, type NoteOutcome } from '../../modules/notes/create-notes.ts';
import type { NoteInput } from '../../modules/notes/types.ts';
import { BulkCreditNoteInput, NoteResponse } from '../note-schemas.ts';
import { respond } from '../respond.ts';
import { Closed } from '../schemas.ts';
import { compileBodyValidator, validatorCompiler } from '../validation.ts';
import { formatBulk, itemError } from './format.ts';
import { checkBatchSize, checkItem, perItemResponse } from './items.ts';

const body = (outcome: NoteOutcome) => ({
  code: 0,
  message: `${outcome.succeeded} of ${outcome.results.length} credit_notes created.`,
  summary: { total: outcome.results.length, succeeded: outcome.succeeded, failed: outcome.failed },
  results: outcome.results.map((r) => (r.ok ? { ok: true, credit_note: r.note } : { ok: false, error: itemError(r.error) })),
});

/** POST /bulk/credit-notes in the seeds/000 style: returns and corrections arrive in batches. */
export function registerBulkCreditNotes(app: FastifyInstance): void {
  const validate = compileBodyValidator(BulkCreditNoteInput);
  // As for /bulk/invoices: the route documents the item schema but checks only the
  // envelope, so a bad item fails alone instead of failing the request.
  const envelope = compileBodyValidator(Closed({ credit_notes: Type.Array(Type.Unknown()) }));
  app.post(
    '/bulk/credit-notes',
    {
      config: { scope: 'invoices.UPDATE', textCheckedPerItem: true },
      validatorCompiler: ({ httpPart, ...rest }) => (httpPart === 'body' ? envelope : validatorCompiler({ httpPart, ...rest })),
      schema: {
        tags: ['bulk'],
        summary: 'Issue credit notes in bulk',
        description: 'Up to BULK_MAX_ITEMS (default 50) credit notes, each {invoice_id, …} and independent; always 200 with per-item results in request order.',
        body: Closed({ credit_notes: Type.Array(BulkCreditNoteInput, { minItems: 1, maxItems: 50 }) }),
        response: { 200: perItemResponse('credit_note', NoteResponse) },
      },
    },
    (request, reply) => {
      const items = (request.body as { credit_notes: unknown[] }).credit_notes;
      checkBatchSize(items, request.server.deps.config.bulkMaxItems, 'credit_notes');
      const inputs = items.map((item) => checkItem<NoteInput>(validate, item));
      const options = { kind: 'credit_note' as const, maxLines: request.server.deps.config.maxLineItems, bulkEvent: true };
      return respond(request, reply, { status: 200, format: formatBulk, body }, (ctx) => createNotes(ctx, inputs, options));
    },
  );
}
