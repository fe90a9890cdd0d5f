import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { type SendRequest, sendInvoice, sendInvoices } from '../../modules/delivery/send-invoices.ts';
import { respond } from '../respond.ts';
import { Closed, errorResponses, Id, IdParams, Nullable, Text } from '../schemas.ts';
import { formatNative } from './format.ts';

const Email = Type.String({ format: 'email', maxLength: 254 });
const sendFields = {
  to: Type.Optional(Type.Array(Email, { minItems: 1, maxItems: 50, description: "Recipients; default: the customer's email." })),
  cc: Type.Optional(Type.Array(Email, { maxItems: 50 })),
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Default: "Invoice <number> from <business>".' })),
  message: Type.Optional(Text(5000)),
};
const SendBody = Closed(sendFields);
const MAX_SEND_IDS = 500;
const BulkSendBody = Closed({ invoice_ids: Type.Array(Id, { minItems: 1, maxItems: MAX_SEND_IDS, uniqueItems: true }), ...sendFields });

const Recipients = { to: Type.Array(Type.String()), cc: Type.Array(Type.String()) };
const Queued = Type.Object({ invoice_id: Type.String(), status: Type.Literal('queued'), ...Recipients });
const BulkQueued = Type.Object({
  queued: Type.Integer(),
  rejected: Type.Integer(),
  items: Type.Array(
    Type.Object({
      invoice_id: Type.String(),
      status: Type.Union([Type.Literal('queued'), Type.Literal('rejected')]),
      to: Type.Optional(Recipients.to),
      cc: Type.Optional(Recipients.cc),
      error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String(), field: Nullable(Type.String()) })),
    }),
  ),
});

const tags = ['invoices'];
const config = { scope: 'invoices.UPDATE' as const };

/** Sending invoices by email: accepted at once (202), sent by the background mail worker. */
export function registerSendRoutes(app: FastifyInstance): void {
  app.post(
    '/invoices/:id/send',
    {
      config,
      schema: {
        tags,
        summary: 'Email an invoice',
        description:
          "Queues an email with the hosted link and the PDF attached, to `to` or the customer's email. The mail worker sends it (retrying a failing server) and then sets `delivered`, `delivered_on` and emits INVOICE_SENT. A draft or void invoice → 409; no recipient → 422.",
        params: IdParams,
        body: SendBody,
        response: { 202: Queued, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    (request, reply) =>
      respond(request, reply, { status: 202, format: formatNative, body: (r: Awaited<ReturnType<typeof sendInvoice>>) => ({ ...r, status: 'queued' }) }, (ctx) =>
        sendInvoice(ctx, (request.params as { id: string }).id, request.body as SendRequest),
      ),
  );
  app.post(
    '/invoices/send',
    {
      config,
      schema: {
        tags,
        summary: 'Email many invoices',
        description: `Queues emails for up to ${MAX_SEND_IDS} invoices, each accepted or rejected on its own (not found, draft or void, no recipient); the optional to/cc/subject/message apply to all.`,
        body: BulkSendBody,
        response: { 202: BulkQueued, ...errorResponses(400, 401, 403, 422) },
      },
    },
    (request, reply) => {
      const { invoice_ids: ids, ...send } = request.body as SendRequest & { invoice_ids: string[] };
      return respond(
        request,
        reply,
        {
          status: 202,
          format: formatNative,
          body: (results: Awaited<ReturnType<typeof sendInvoices>>) => ({
            queued: results.filter((r) => r.ok).length,
            rejected: results.filter((r) => !r.ok).length,
            items: results.map((r) =>
              r.ok
                ? { invoice_id: r.invoice_id, status: 'queued', to: r.to, cc: r.cc }
                : { invoice_id: r.invoice_id, status: 'rejected', error: { code: r.error.code, message: r.error.message, field: r.error.field ?? null } },
            ),
          }),
        },
        (ctx) => sendInvoices(ctx, ids, send),
      );
    },
  );
}
