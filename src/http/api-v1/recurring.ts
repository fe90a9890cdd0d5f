import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { cancelTemplate, patchTemplate, pauseTemplate, previewTemplate, resumeTemplate } from '../../modules/recurring/change-template.ts';
import { createTemplate } from '../../modules/recurring/create-templates.ts';
import { makeRecurring } from '../../modules/recurring/make-recurring.ts';
import { getTemplate, listTemplates } from '../../modules/recurring/repository.ts';
import type { MakeRecurringInput as MakeBody, TemplateInput as TemplateBody, TemplatePatch as PatchBody, TemplateStatus } from '../../modules/recurring/types.ts';
import type { TemplateView } from '../../modules/recurring/types.ts';
import { templateView } from '../../modules/recurring/view.ts';
import { businessOf } from '../auth.ts';
import { contextOf, respond } from '../respond.ts';
import { MakeRecurringInput, PreviewResponse, TemplateInput, TemplatePatch, TemplateResponse } from '../recurring-schemas.ts';
import { Closed, errorResponses, IdParams, ListQuery, PageOf } from '../schemas.ts';
import { formatNative } from './format.ts';

const tags = ['recurring'];
const read = { scope: 'invoices.READ' as const };
const write = { scope: 'invoices.UPDATE' as const };
const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
const maxLines = (request: FastifyRequest) => ({ maxLineItems: request.server.deps.config.maxLineItems });
const asIs = (view: TemplateView) => view;

const TemplateListQuery = Closed({
  ...ListQuery.properties,
  status: Type.Optional(Type.Union(['active', 'paused', 'completed', 'canceled'].map((s) => Type.Literal(s)))),
  customer_id: Type.Optional(Type.String({ maxLength: 64 })),
});

const PreviewQuery = Closed({ count: Type.Optional(Type.Integer({ minimum: 1, maximum: 36, default: 12, description: 'How many dates (1–36).' })) });

function registerCreateAndReads(app: FastifyInstance): void {
  app.post(
    '/recurring-templates',
    {
      config: { scope: 'invoices.CREATE' },
      schema: {
        tags,
        summary: 'Create a recurring template',
        description: 'Bills a customer on a schedule: background workers make exactly one invoice per scheduled date (docs/recurring.md).',
        body: TemplateInput,
        response: { 201: TemplateResponse, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    (request, reply) => respond(request, reply, { status: 201, format: formatNative, body: asIs }, (ctx) => createTemplate(ctx, request.body as TemplateBody, maxLines(request))),
  );
  app.get(
    '/recurring-templates',
    {
      config: read,
      schema: { tags, summary: 'List recurring templates', description: 'Newest first, filtered by status and customer.', querystring: TemplateListQuery, response: { 200: PageOf(TemplateResponse), ...errorResponses(401, 403, 422) } },
    },
    async (request) => {
      const q = request.query as Record<string, string | number | boolean | undefined>;
      const page = { limit: q.limit as number, cursor: q.cursor as string | undefined, includeTotal: q.include_total as boolean };
      return listTemplates(request.server.deps.db, businessOf(request).businessId, { status: q.status as TemplateStatus | undefined, customerId: q.customer_id as string | undefined }, page);
    },
  );
  app.get(
    '/recurring-templates/:id',
    { config: read, schema: { tags, summary: 'Get a recurring template', description: 'The template with its next and last invoice dates and its failures.', params: IdParams, response: { 200: TemplateResponse, ...errorResponses(401, 403, 404) } } },
    async (request) => templateView(await getTemplate(request.server.deps.db, businessOf(request).businessId, idOf(request))),
  );
  app.get(
    '/recurring-templates/:id/preview',
    {
      config: read,
      schema: { tags, summary: 'Preview the next invoice dates', description: 'The next `count` dates the template will invoice; writes nothing.', params: IdParams, querystring: PreviewQuery, response: { 200: PreviewResponse, ...errorResponses(401, 403, 404, 422) } },
    },
    async (request) => previewTemplate(contextOf(request), idOf(request), (request.query as { count: number }).count),
  );
}

const TRANSITIONS = [
  { path: 'pause', run: pauseTemplate, summary: 'Pause a recurring template', description: 'No invoices while paused; dates that fall during the pause are skipped.' },
  { path: 'resume', run: resumeTemplate, summary: 'Resume a recurring template', description: 'Continues from today: the next scheduled date not before today.' },
  { path: 'cancel', run: cancelTemplate, summary: 'Cancel a recurring template', description: 'Final: no more invoices; the invoices already made stay.' },
];

function registerChanges(app: FastifyInstance): void {
  app.patch(
    '/recurring-templates/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Change a recurring template',
        description: 'Applies to invoices not yet generated; a new schedule or end takes effect from the first date not yet made.',
        params: IdParams,
        body: TemplatePatch,
        response: { 200: TemplateResponse, ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    (request, reply) => respond(request, reply, { status: 200, format: formatNative, body: asIs }, (ctx) => patchTemplate(ctx, idOf(request), request.body as PatchBody, maxLines(request))),
  );
  for (const t of TRANSITIONS) {
    app.post(
      `/recurring-templates/:id/${t.path}`,
      { config: write, schema: { tags, summary: t.summary, description: t.description, params: IdParams, response: { 200: TemplateResponse, ...errorResponses(400, 401, 403, 404, 409) } } },
      (request, reply) => respond(request, reply, { status: 200, format: formatNative, body: asIs }, (ctx) => t.run(ctx, idOf(request))),
    );
  }
  app.post(
    '/invoices/:id/recurring',
    {
      config: { scope: 'invoices.CREATE' },
      schema: {
        tags,
        summary: 'Make an invoice recurring',
        description: "A template with the invoice's customer and lines; the invoice's recurring_template_id then points at it.",
        params: IdParams,
        body: MakeRecurringInput,
        response: { 201: TemplateResponse, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    (request, reply) => respond(request, reply, { status: 201, format: formatNative, body: asIs }, (ctx) => makeRecurring(ctx, idOf(request), request.body as MakeBody, maxLines(request))),
  );
}

/** Recurring templates under /api/v1 (SPEC §11). */
export function registerRecurringRoutes(app: FastifyInstance): void {
  registerCreateAndReads(app);
  registerChanges(app);
}
