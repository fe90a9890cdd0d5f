import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { createTemplates, type TemplateOutcome } from '../../modules/recurring/create-templates.ts';
import type { TemplateInput as TemplateBody } from '../../modules/recurring/types.ts';
import { TemplateInput, TemplateResponse } from '../recurring-schemas.ts';
import { respond } from '../respond.ts';
import { Closed } from '../schemas.ts';
import { compileBodyValidator, validatorCompiler } from '../validation.ts';
import { formatBulk, itemError } from './format.ts';
import { checkBatchSize, checkItem, perItemResponse } from './items.ts';

const body = (outcome: TemplateOutcome) => ({
  code: 0,
  message: `${outcome.succeeded} of ${outcome.results.length} recurring_templates created.`,
  summary: { total: outcome.results.length, succeeded: outcome.succeeded, failed: outcome.failed },
  results: outcome.results.map((r) => (r.ok ? { ok: true, recurring_template: r.template } : { ok: false, error: itemError(r.error) })),
});

/** POST /bulk/recurring-templates in the seeds/000 style: a book of retainers set up in one call. */
export function registerBulkRecurring(app: FastifyInstance): void {
  const validate = compileBodyValidator(TemplateInput);
  // As for /bulk/invoices: the envelope is checked by the route, each item on its own.
  const envelope = compileBodyValidator(Closed({ recurring_templates: Type.Array(Type.Unknown()) }));
  app.post(
    '/bulk/recurring-templates',
    {
      config: { scope: 'invoices.CREATE', textCheckedPerItem: true },
      validatorCompiler: ({ httpPart, ...rest }) => (httpPart === 'body' ? envelope : validatorCompiler({ httpPart, ...rest })),
      schema: {
        tags: ['bulk'],
        summary: 'Create recurring templates in bulk',
        description: 'Up to BULK_MAX_ITEMS (default 50) templates, each independent; always 200 with per-item results in request order.',
        body: Closed({ recurring_templates: Type.Array(TemplateInput, { minItems: 1, maxItems: 50 }) }),
        response: { 200: perItemResponse('recurring_template', TemplateResponse) },
      },
    },
    (request, reply) => {
      const items = (request.body as { recurring_templates: unknown[] }).recurring_templates;
      checkBatchSize(items, request.server.deps.config.bulkMaxItems, 'recurring_templates');
      const inputs = items.map((item) => checkItem<TemplateBody>(validate, item));
      const options = { maxLineItems: request.server.deps.config.maxLineItems, bulkEvent: true };
      return respond(request, reply, { status: 200, format: formatBulk, body }, (ctx) => createTemplates(ctx, inputs, options));
    },
  );
}
