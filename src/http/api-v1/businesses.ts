import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Business } from '../../db/schema.ts';
import { createBusiness, getBusiness, type NewBusiness } from '../../modules/businesses/create-business.ts';
import { businessOf } from '../auth.ts';
import { respond } from '../respond.ts';
import { Closed, CurrencyCode, Gstin, IdParams, Nullable, StateCode, Timestamp, errorResponses } from '../schemas.ts';
import { formatNative } from './format.ts';
import { notFound } from '../../domain/errors.ts';

const BusinessCreate = Closed({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. IN.' }),
  state: Type.Optional(Nullable(StateCode)),
  currency: CurrencyCode,
  gstin: Type.Optional(Nullable(Gstin)),
  invoice_prefix: Type.Optional(Type.String({ minLength: 1, maxLength: 10 })),
  number_padding: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
  number_reset: Type.Optional(Type.Union([Type.Literal('never'), Type.Literal('fiscal_year')])),
  credit_note_prefix: Type.Optional(Type.String({ minLength: 1, maxLength: 10, description: "Credit note numbers' prefix (default CN-)." })),
  debit_note_prefix: Type.Optional(Type.String({ minLength: 1, maxLength: 10, description: "Debit note numbers' prefix (default DN-)." })),
});

export const BusinessSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  country: Type.String(),
  state: Nullable(Type.String()),
  currency: Type.String(),
  gstin: Nullable(Type.String()),
  invoice_prefix: Type.String(),
  number_padding: Type.Integer(),
  number_reset: Type.String(),
  credit_note_prefix: Type.String(),
  debit_note_prefix: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

/** Tokens are stored only as hashes, so an idempotent replay cannot show the token again. */
const redactToken = (payload: string) =>
  JSON.stringify({ ...(JSON.parse(payload) as object), token: 'bw_pat_[shown once; not stored]' });

export function registerBusinessRoutes(app: FastifyInstance): void {
  app.post(
    '/businesses',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['businesses'],
        summary: 'Create a business',
        description: 'Create a business (tenant) with BILLOW_ADMIN_TOKEN; returns a token with every scope on it.',
        body: BusinessCreate,
        response: { 201: Type.Object({ business: BusinessSchema, token: Type.String() }), ...errorResponses(400, 401, 422) },
      },
    },
    (request, reply) =>
      respond(request, reply, { status: 201, format: formatNative, body: (r) => r, redact: redactToken }, (ctx) =>
        createBusiness(ctx, request.body as NewBusiness),
      ),
  );
  app.get(
    '/businesses/:id',
    {
      schema: {
        tags: ['businesses'],
        summary: 'Get a business',
        description: 'The business of the token (x-business-id when the token reaches several); any other id is 404.',
        params: IdParams,
        response: { 200: BusinessSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request): Promise<Business> => {
      const { id } = request.params as { id: string };
      if (id !== businessOf(request).businessId) throw notFound('Business', id);
      return getBusiness(request.server.deps.db, id);
    },
  );
}
