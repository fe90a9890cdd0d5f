import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ImportRow } from '../../db/schema.ts';
import { cancelImport } from '../../modules/imports/cancel-import.ts';
import { importErrorReport } from '../../modules/imports/error-report.ts';
import type { RowIssue } from '../../modules/imports/groups.ts';
import { type ImportOutcome, importInvoices, readSmallCsv, wireIssues } from '../../modules/imports/import-invoices.ts';
import { getImport, listImports } from '../../modules/imports/repository.ts';
import { startImport } from '../../modules/imports/start-import.ts';
import { importView } from '../../modules/imports/view.ts';
import type { DocumentView } from '../../modules/invoicing/view.ts';
import { businessOf, requireScopes } from '../auth.ts';
import { InvoiceResponse } from '../document-schemas.ts';
import { respond } from '../respond.ts';
import { Closed, errorResponses, IdParams, ListQuery, Nullable, PageOf } from '../schemas.ts';
import { formatNative } from './format.ts';

const BulkBody = Closed({
  s3_key: Type.String({ minLength: 1, maxLength: 1024, description: 'Key of the uploaded CSV file (from POST /api/v1/files, or put under `<business_id>/` in the bucket).' }),
  finalize: Type.Optional(Type.Boolean({ default: false, description: 'If true, immediately finalize (number and post) every created invoice.' })),
  skip_invalid: Type.Optional(Type.Boolean({ default: false, description: 'Create the valid invoices and report the invalid ones, instead of all-or-nothing.' })),
});
type BulkInput = { s3_key: string; finalize?: boolean; skip_invalid?: boolean };

const RowError = Type.Object({ loc: Type.Array(Type.Union([Type.String(), Type.Integer()])), msg: Type.String(), type: Type.String() });

// The seeds' InvoiceListResponse (the list page shape), plus the rows skip_invalid left out.
const InvoiceListResponse = Type.Object({
  ...PageOf(InvoiceResponse).properties,
  errors: Type.Array(RowError, { description: 'With skip_invalid: the rows that were skipped (first 100, then a count).' }),
});

const ImportAccepted = Type.Object({
  import_id: Type.String(),
  status_url: Type.String({ description: 'GET it for status and progress.' }),
});

const ImportStatus = Type.Union(['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s)));
const ImportResponse = Type.Object({
  id: Type.String(),
  status: ImportStatus,
  s3_key: Type.String(),
  finalize: Type.Boolean(),
  skip_invalid: Type.Boolean(),
  rows_processed: Type.Integer({ description: 'Data rows whose outcome is committed.' }),
  rows_total: Nullable(Type.Integer({ description: 'Data rows in the file, once known.' })),
  invoices_succeeded: Type.Integer(),
  invoices_failed: Type.Integer(),
  error_count: Type.Integer({ description: 'Rows listed in the error report.' }),
  percent: Type.Number({ minimum: 0, maximum: 100 }),
  message: Nullable(Type.String()),
  errors_url: Type.String({ description: 'The error report, CSV.' }),
  created_at: Type.String(),
  started_at: Nullable(Type.String()),
  finished_at: Nullable(Type.String()),
});

function listResponse(outcome: ImportOutcome) {
  const documents: DocumentView[] = outcome.documents;
  const issues: RowIssue[] = outcome.issues;
  return { items: documents, total: documents.length, limit: documents.length, next_cursor: null, prev_cursor: null, has_next: false, has_prev: false, errors: wireIssues(issues) };
}

/** `Prefer: respond-async` (RFC 7240): the client wants a background import even for a small file. */
export const wantsAsync = (request: FastifyRequest) => /(^|[,;\s])respond-async([,;\s]|$)/i.test(String(request.headers.prefer ?? ''));

const isOutcome = (result: ImportOutcome | ImportRow): result is ImportOutcome => 'documents' in result;

/**
 * Small files are imported within the request (201); large ones, or `Prefer: respond-async`,
 * in the background (202). The file is read inside `respond`, after the Idempotency-Key lookup:
 * a replay never reads it again (the object may be gone), and a refusal of the file's format
 * is stored like any other answer.
 */
async function bulkInvoices(request: FastifyRequest, reply: FastifyReply) {
  const body = request.body as BulkInput;
  const { config, store } = request.server.deps;
  const finalize = body.finalize ?? false;
  const skipInvalid = body.skip_invalid ?? false;
  // The import reads a stored file by key: the same right as GET /api/v1/files/{key}.
  requireScopes(request, ['files.READ', finalize && 'invoices.UPDATE']);
  const accepted = (row: ImportRow) => ({ import_id: row.id, status_url: `${config.publicUrl}/api/v1/imports/${row.id}` });
  const options = {
    status: (result: ImportOutcome | ImportRow) => (isOutcome(result) ? 201 : 202),
    format: formatNative,
    body: (result: ImportOutcome | ImportRow) => (isOutcome(result) ? listResponse(result) : accepted(result)),
  };
  return respond(request, reply, options, async (ctx): Promise<ImportOutcome | ImportRow> => {
    const rows = wantsAsync(request) ? undefined : await readSmallCsv(ctx, store, body.s3_key, config.csvSyncMaxRows);
    if (rows) return importInvoices(ctx, rows, { finalize, skipInvalid, maxLineItems: config.maxLineItems });
    return startImport(ctx, store, { s3Key: body.s3_key, finalize, skipInvalid });
  });
}

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

export function registerImportRoutes(app: FastifyInstance): void {
  const baseUrl = app.deps.config.publicUrl;
  app.post(
    '/invoices/bulk',
    {
      config: { scope: 'invoices.CREATE' },
      schema: {
        tags: ['invoices'],
        operationId: 'create_bulk_invoices_api_v1_invoices_bulk_post',
        summary: 'Bulk create invoices',
        description:
          'Create multiple invoices from CSV data in a single request (docs/csv-format.md). Files up to CSV_SYNC_MAX_ROWS rows are imported at once: 201 with the created invoices; all-or-nothing unless skip_invalid, errors at `loc: ["csv", row, column]`. Larger files, or `Prefer: respond-async`, start a background import: 202 with its id and status URL.',
        body: BulkBody,
        response: { 201: InvoiceListResponse, 202: ImportAccepted, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    bulkInvoices,
  );
  const read = { scope: 'imports.READ' as const };
  app.get(
    '/imports',
    {
      config: read,
      schema: { tags: ['imports'], summary: 'List imports', description: 'CSV imports of the business, newest first.', querystring: ListQuery, response: { 200: PageOf(ImportResponse), ...errorResponses(401, 403, 422) } },
    },
    async (request) => {
      const q = request.query as { limit: number; cursor?: string; include_total: boolean };
      const page = await listImports(request.server.deps.db, businessOf(request).businessId, { limit: q.limit, cursor: q.cursor, includeTotal: q.include_total });
      return { ...page, items: page.items.map((row) => importView(row, baseUrl)) };
    },
  );
  app.get(
    '/imports/:id',
    {
      config: read,
      schema: { tags: ['imports'], summary: 'Get an import', description: 'Status and progress of a CSV import: rows processed and total, invoices succeeded and failed, percent, times.', params: IdParams, response: { 200: ImportResponse, ...errorResponses(401, 403, 404) } },
    },
    async (request) => importView(await getImport(request.server.deps.db, businessOf(request).businessId, idOf(request)), baseUrl),
  );
  app.get(
    '/imports/:id/errors.csv',
    {
      config: read,
      schema: {
        tags: ['imports'],
        summary: 'Download the error report',
        description: 'The rows an import refused, as CSV (row, column, invoice_ref, error, message, value); cells are neutralized against formula injection.',
        params: IdParams,
        produces: ['text/csv'],
        response: { 200: Type.String({ description: 'text/csv' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const report = await importErrorReport(request.server.deps.db, businessOf(request).businessId, idOf(request));
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="import-${idOf(request)}-errors.csv"`).send(report);
    },
  );
  app.post(
    '/imports/:id/cancel',
    {
      config: { scope: 'imports.UPDATE' },
      schema: { tags: ['imports'], summary: 'Cancel an import', description: 'Stops a queued or running import before its next chunk; invoices already committed stay. A finished import → 409.', params: IdParams, response: { 200: ImportResponse, ...errorResponses(400, 401, 403, 404, 409) } },
    },
    (request, reply) => respond(request, reply, { status: 200, format: formatNative, body: (row: ImportRow) => importView(row, baseUrl) }, (ctx) => cancelImport(ctx, idOf(request))),
  );
}
