import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { importInvoices, readSmallCsv } from '../../modules/imports/import-invoices.ts';
import type { RowIssue } from '../../modules/imports/groups.ts';
import type { DocumentView } from '../../modules/invoicing/view.ts';
import { contextOf, respond } from '../respond.ts';
import { InvoiceResponse } from '../document-schemas.ts';
import { Closed, errorResponses, Nullable } from '../schemas.ts';
import { formatNative } from './format.ts';

const BulkBody = Closed({
  s3_key: Type.String({ minLength: 1, maxLength: 1024, description: 'Key of the uploaded CSV file (from POST /api/v1/files, or put under `<business_id>/` in the bucket).' }),
  finalize: Type.Optional(Type.Boolean({ default: false, description: 'If true, immediately finalize (number and post) every created invoice.' })),
  skip_invalid: Type.Optional(Type.Boolean({ default: false, description: 'Create the valid invoices and report the invalid ones, instead of all-or-nothing.' })),
});
type BulkInput = { s3_key: string; finalize?: boolean; skip_invalid?: boolean };

const RowError = Type.Object({ loc: Type.Array(Type.Union([Type.String(), Type.Integer()])), msg: Type.String(), type: Type.String() });

const InvoiceListResponse = Type.Object({
  items: Type.Array(InvoiceResponse),
  total: Nullable(Type.Integer()),
  limit: Type.Integer(),
  next_cursor: Nullable(Type.String()),
  prev_cursor: Nullable(Type.String()),
  has_next: Type.Boolean(),
  has_prev: Type.Boolean(),
  errors: Type.Array(RowError, { description: 'With skip_invalid: the rows that were skipped (first 100, then a count).' }),
});

function listResponse(documents: DocumentView[], issues: RowIssue[]) {
  const errors = issues.slice(0, 100).map((i) => ({ loc: ['csv', i.row, ...(i.column ? [i.column] : [])], msg: i.message, type: i.type }));
  if (issues.length > 100) errors.push({ loc: ['csv'], msg: `${issues.length - 100} more errors not shown (${issues.length} in all).`, type: 'csv.too_many_errors' });
  return { items: documents, total: documents.length, limit: documents.length, next_cursor: null, prev_cursor: null, has_next: false, has_prev: false, errors };
}

async function bulkInvoices(request: FastifyRequest, reply: import('fastify').FastifyReply) {
  const body = request.body as BulkInput;
  const { config, store } = request.server.deps;
  const options = { finalize: body.finalize ?? false, skipInvalid: body.skip_invalid ?? false, maxLineItems: config.maxLineItems };
  const rows = await readSmallCsv(contextOf(request), store, body.s3_key, config.csvSyncMaxRows);
  if (!rows) throw new Error('background imports are not wired yet');
  return respond(request, reply, { status: 201, format: formatNative, body: (outcome: Awaited<ReturnType<typeof importInvoices>>) => listResponse(outcome.documents, outcome.issues) }, (ctx) =>
    importInvoices(ctx, rows, options),
  );
}

export function registerImportRoutes(app: FastifyInstance): void {
  app.post(
    '/invoices/bulk',
    {
      config: { scope: 'invoices.CREATE' },
      schema: {
        tags: ['invoices'],
        operationId: 'create_bulk_invoices_api_v1_invoices_bulk_post',
        summary: 'Bulk create invoices',
        description:
          'Create multiple invoices from CSV data in a single request (docs/csv-format.md). Files up to CSV_SYNC_MAX_ROWS rows are imported at once: 201 with the created invoices; all-or-nothing unless skip_invalid. Larger files, or `Prefer: respond-async`, start a background import: 202 with its id and status URL.',
        body: BulkBody,
        response: { 201: InvoiceListResponse, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    bulkInvoices,
  );
}
