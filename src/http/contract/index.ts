import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import type { Config } from '../../config.ts';
import { errorFormatOf, type ProblemFormatter } from '../errors.ts';
import { ERROR_MARK } from '../schemas.ts';
import { describeStatus, errorDoc, type JsonSchema } from './error-docs.ts';
import { operationIdFor } from './operation-id.ts';

/**
 * The OpenAPI contract, filled in one place for every route, including those added on other
 * branches: operation ids (derived FastAPI-style unless the route names its own), the error
 * responses a route can give in its own wire dialect, and per-route security. What each route
 * must still write itself — summary, description, tags, its request and 2xx schemas — is
 * checked by test/contract (a missing summary fails there and in `npm run lint:openapi`).
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by the contract for every route: the error dialect of the plugin that added it. */
    errorFormat?: ProblemFormatter;
  }
}

const TAGS: Record<string, string> = {
  meta: 'Liveness, readiness, metrics and this document. No authentication.',
  businesses: 'Tenants. Creating one needs BILLOW_ADMIN_TOKEN and returns a token with every scope.',
  customers: 'Customers of a business; client-chosen ids allowed (`ct_acme`).',
  vendors: 'Vendors (suppliers) of a business, billed to it through bills.',
  items: 'Products and services, auto-filled into invoice lines.',
  invoices: 'Invoices: create, list, finalize (number + ledger), void, payments, PDF. Errors: FastAPI `detail`.',
  bills: 'Bills from vendors: the mirror of invoices; approve instead of finalize.',
  reports: 'Accounting reports from the double-entry journal.',
  bulk: 'seeds/000: up to BULK_MAX_ITEMS invoices or bills per call with per-item results. Errors: `{code, message, error}`.',
  hosted: "The customer's public invoice page and PDF, addressed by an unguessable token.",
  'delayed-charges': 'Charges recorded now and swept into the next invoice of their customer (seeds/004 batch).',
  // Surfaces of the open issues, under the names the spec gives them; a tag not listed here
  // fails `npm run lint:openapi` (tag-description) until it is described.
  orders: 'seeds/003: orders and invoices made from them. Errors: `{success, message}`.',
  files: 'Uploaded files (CSV for imports), stored in the object store.',
  imports: 'CSV imports of invoices, large ones run in the background with progress.',
  webhooks: 'Webhook endpoints and their deliveries, signed per Standard Webhooks.',
  events: 'The event log: what happened in a business, as delivered to webhooks.',
  notes: 'Credit and debit notes: corrections of an issued invoice, with their own gapless series.',
  recurring: 'Recurring templates: a customer billed on a schedule, one invoice per date, made by the workers.',
  integrations: 'Stripe: the connection (keys encrypted at rest), invoice pushes, and the signed events Stripe posts back.',
  banking: 'Bank accounts, statement import (CSV, OFX, camt.053), matching to invoices and bills, reconciliation.',
};

const PROBLEM_STATUSES = {
  always: [429, 500],
  // Every authenticated route reaches the database, which may be unavailable or stalled (503, Retry-After).
  authenticated: [401, 503],
  tenant: [403],
  body: [400, 413, 415, 422],
  input: [422],
  path: [404],
  post: [400, 409, 422],
};

/** Statuses a route can give whatever its handler does: from auth, its inputs, idempotency and limits. */
function edgeStatuses(route: RouteOptions, schema: FastifySchema): number[] {
  const auth = route.config?.auth ?? 'token';
  const statuses = [...PROBLEM_STATUSES.always];
  if (auth !== 'none') statuses.push(...PROBLEM_STATUSES.authenticated);
  if (auth === 'token') statuses.push(...PROBLEM_STATUSES.tenant);
  if (schema.body) statuses.push(...PROBLEM_STATUSES.body);
  if (schema.querystring || schema.params) statuses.push(...PROBLEM_STATUSES.input);
  if (/[:{]/.test(route.url)) statuses.push(...PROBLEM_STATUSES.path);
  if (route.method === 'POST') statuses.push(...PROBLEM_STATUSES.post);
  return statuses;
}

type Responses = Record<string, JsonSchema>;

/** The route's responses: 2xx described, and error responses (marked by errorResponses() or edge statuses) in its dialect. */
function withErrors(route: RouteOptions, schema: FastifySchema): Responses {
  const declared = { ...((schema.response ?? {}) as Responses) };
  const format = route.config?.errorFormat;
  if (!format) return declared;
  for (const [status, response] of Object.entries(declared)) {
    if (!response.description) declared[status] = { ...response, description: describeStatus(status) };
  }
  const marked = Object.keys(declared).filter((status) => declared[status]?.[ERROR_MARK]).map(Number);
  for (const status of new Set([...marked, ...edgeStatuses(route, schema)])) {
    const wire = String(format({ status, code: 'request.invalid', message: '' }).status);
    if (declared[wire] && !declared[wire][ERROR_MARK]) continue;
    declared[wire] = errorDoc(format, status);
  }
  return declared;
}

function security(route: RouteOptions) {
  const auth = route.config?.auth ?? 'token';
  if (auth === 'none') return { security: [] };
  if (auth === 'admin' || auth === 'metrics') return { security: [{ bearer: [] }] };
  return {};
}

function transform({ schema, route }: { schema: FastifySchema; route: RouteOptions }) {
  if (!schema || (schema as { hide?: boolean }).hide) return { schema };
  return { schema: { ...schema, ...security(route), response: withErrors(route, schema) } };
}

/** Derives missing operation ids and refuses a duplicate one when the route is added (fails loudly at start-up). */
function nameOperations(app: FastifyInstance): void {
  const taken = new Map<string, string>();
  app.addHook('onRoute', function (this: FastifyInstance, route) {
    if (route.method === 'HEAD') return;
    route.config = { ...route.config, errorFormat: errorFormatOf(this) };
    route.schema ??= {};
    const schema = route.schema as FastifySchema & { operationId?: string; hide?: boolean };
    if (schema.hide) return;
    const method = Array.isArray(route.method) ? route.method.join('_') : route.method;
    schema.operationId ??= operationIdFor(method, route.url);
    const where = `${method} ${route.url}`;
    const other = taken.get(schema.operationId);
    if (other) throw new Error(`operationId '${schema.operationId}' of ${where} is already used by ${other}`);
    taken.set(schema.operationId, where);
  });
}

export async function registerContract(app: FastifyInstance, config: Config): Promise<void> {
  nameOperations(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Billow',
        version: '0.1.0',
        description:
          'Multi-tenant invoicing API with bulk invoice creation. Every response carries `x-request-id` ' +
          '(sent by the client or generated), and every error body repeats it as `request_id`.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: config.publicUrl, description: 'This server (PUBLIC_URL).' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Personal access token `bw_pat_…` in `Authorization: Bearer …`.' },
          accessToken: { type: 'apiKey', in: 'header', name: 'accessToken', description: 'The same token in the `accessToken` header (seeds/003).' },
        },
      },
      security: [{ bearer: [] }, { accessToken: [] }],
    },
    transform: transform as never,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
}

/** The served document: the generated one plus a described top-level entry for every tag in use. */
export function contractDocument(app: FastifyInstance): Record<string, unknown> {
  const document = app.swagger() as { paths?: Record<string, Record<string, { tags?: string[] }>> };
  const used = new Set(Object.values(document.paths ?? {}).flatMap((ops) => Object.values(ops).flatMap((op) => op.tags ?? [])));
  const known = Object.keys(TAGS).filter((name) => used.has(name));
  const others = [...used].filter((name) => !TAGS[name]).sort();
  const tags = [...known, ...others].map((name) => (TAGS[name] ? { name, description: TAGS[name] } : { name }));
  return { ...document, tags };
}
