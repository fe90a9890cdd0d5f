import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Business } from '../../db/schema.ts';
import { notFound } from '../../domain/errors.ts';
import { createBusiness, getBusiness, type NewBusiness } from '../../modules/businesses/create-business.ts';
import { deleteBusinessLogo, getBusinessLogo, hasBusinessLogo, LOGO_MAX_BYTES, LOGO_TYPES, type LogoType, setBusinessLogo } from '../../modules/businesses/logo.ts';
import { type BusinessPatch, updateBusiness } from '../../modules/businesses/update-business.ts';
import { businessOf } from '../auth.ts';
import { contextOf, respond } from '../respond.ts';
import { Closed, CurrencyCode, errorResponses, Gstin, IdParams, Nullable, StateCode, Text, Timestamp } from '../schemas.ts';
import { Address } from './catalog-schemas.ts';
import { formatNative } from './format.ts';

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

const BusinessUpdate = Closed(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    legal_name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
    address: Type.Optional(Nullable(Address)),
    state: Type.Optional(Nullable(StateCode)),
    gstin: Type.Optional(Nullable(Gstin)),
    tax_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 32, description: 'VAT or other tax id printed on documents, e.g. DE123456789.' }))),
    locale: Type.Optional(Nullable(Type.String({ minLength: 2, maxLength: 35, description: 'BCP 47 locale for amounts and dates, e.g. en-IN, de-DE.' }))),
    time_zone: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Asia/Kolkata.' }))),
    invoice_prefix: Type.Optional(Type.String({ minLength: 1, maxLength: 10 })),
    number_padding: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
    number_reset: Type.Optional(Type.Union([Type.Literal('never'), Type.Literal('fiscal_year')])),
    footer: Type.Optional(Nullable(Text(1000))),
    terms: Type.Optional(Nullable(Text(4000))),
  },
  { minProperties: 1 },
);

export const BusinessSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  legal_name: Nullable(Type.String()),
  country: Type.String(),
  state: Nullable(Type.String()),
  address: Nullable(Address),
  currency: Type.String(),
  gstin: Nullable(Type.String()),
  tax_id: Nullable(Type.String()),
  locale: Nullable(Type.String()),
  time_zone: Nullable(Type.String()),
  invoice_prefix: Type.String(),
  number_padding: Type.Integer(),
  number_reset: Type.String(),
  footer: Nullable(Type.String()),
  terms: Nullable(Type.String()),
  logo_url: Nullable(Type.String({ description: 'Where the logo is served (authenticated), or null without one.' })),
  credit_note_prefix: Type.String(),
  debit_note_prefix: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

/** Tokens are stored only as hashes, so an idempotent replay cannot show the token again. */
const redactToken = (payload: string) =>
  JSON.stringify({ ...(JSON.parse(payload) as object), token: 'bw_pat_[shown once; not stored]' });

const tags = ['businesses'];
const logoUrl = (baseUrl: string, id: string) => `${baseUrl}/api/v1/businesses/${id}/logo`;

async function businessToWire(request: FastifyRequest, business: Business) {
  const hasLogo = await hasBusinessLogo(request.server.deps.db, business.id);
  return { ...business, logo_url: hasLogo ? logoUrl(request.server.deps.config.publicUrl, business.id) : null };
}

/** The business the path names, which must be the token's own: any other id is not found. */
function ownId(request: FastifyRequest): string {
  const { id } = request.params as { id: string };
  if (id !== businessOf(request).businessId) throw notFound('Business', id);
  return id;
}

function registerLogoRoutes(app: FastifyInstance): void {
  app.addContentTypeParser([...LOGO_TYPES], { parseAs: 'buffer', bodyLimit: LOGO_MAX_BYTES }, (_request, body, done) => done(null, body));
  app.put(
    '/businesses/:id/logo',
    {
      config: { scope: 'businesses.UPDATE' },
      schema: {
        tags,
        summary: 'Upload the business logo',
        description: `Replaces the logo printed on documents: the raw image as the body, Content-Type image/png or image/jpeg, at most ${LOGO_MAX_BYTES} bytes.`,
        params: IdParams,
        consumes: [...LOGO_TYPES],
        response: { 200: BusinessSchema, ...errorResponses(401, 403, 404, 413, 415, 422) },
      },
    },
    async (request) => {
      const id = ownId(request);
      const contentType = request.headers['content-type']?.split(';')[0]?.trim() as LogoType;
      await setBusinessLogo(contextOf(request), id, { contentType, data: request.body as Buffer });
      return businessToWire(request, await getBusiness(request.server.deps.db, id));
    },
  );
  app.get(
    '/businesses/:id/logo',
    {
      schema: {
        tags,
        summary: 'Download the business logo',
        description: 'The logo image as uploaded.',
        params: IdParams,
        produces: [...LOGO_TYPES],
        response: { 200: { description: 'The image bytes.' }, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const id = ownId(request);
      const logo = await getBusinessLogo(request.server.deps.db, id);
      if (!logo) throw notFound('Logo of business', id);
      return reply.type(logo.contentType).send(logo.data);
    },
  );
  app.delete(
    '/businesses/:id/logo',
    {
      config: { scope: 'businesses.UPDATE' },
      schema: { tags, summary: 'Remove the business logo', description: 'Documents are printed without a logo afterwards.', params: IdParams, response: { 204: Type.Null(), ...errorResponses(401, 403, 404) } },
    },
    async (request, reply) => {
      await deleteBusinessLogo(contextOf(request), ownId(request));
      return reply.code(204).send();
    },
  );
}

export function registerBusinessRoutes(app: FastifyInstance): void {
  app.post(
    '/businesses',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Create a business',
        description: 'Create a business (tenant) with BILLOW_ADMIN_TOKEN; returns a token with every scope on it. A business token here is a 403.',
        body: BusinessCreate,
        response: { 201: Type.Object({ business: BusinessSchema, token: Type.String() }), ...errorResponses(400, 401, 403, 422) },
      },
    },
    (request, reply) =>
      respond(
        request,
        reply,
        // A new business has no logo yet.
        { status: 201, format: formatNative, body: (r: { business: Business; token: string }) => ({ ...r, business: { ...r.business, logo_url: null } }), redact: redactToken },
        (ctx) => createBusiness(ctx, request.body as NewBusiness),
      ),
  );
  app.get(
    '/businesses/:id',
    {
      schema: {
        tags,
        summary: 'Get the business profile',
        description: "The token's own business: what its documents print (legal name, address, tax ids, locale) and how they are numbered.",
        params: IdParams,
        response: { 200: BusinessSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => businessToWire(request, await getBusiness(request.server.deps.db, ownId(request))),
  );
  app.patch(
    '/businesses/:id',
    {
      config: { scope: 'businesses.UPDATE' },
      schema: {
        tags,
        summary: 'Update the business profile',
        description: 'Changes the fields given; null clears an optional one. Country and currency cannot change. For an Indian business the GSTIN must belong to its state.',
        params: IdParams,
        body: BusinessUpdate,
        response: { 200: BusinessSchema, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => businessToWire(request, await updateBusiness(contextOf(request), ownId(request), request.body as BusinessPatch)),
  );
  registerLogoRoutes(app);
}
