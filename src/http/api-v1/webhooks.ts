import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { listDeliveries, retryDelivery } from '../../modules/webhooks/deliveries.ts';
import {
  createEndpoint,
  deleteEndpoint,
  type EndpointInput,
  type EndpointPatch,
  endpointView,
  findEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
} from '../../modules/webhooks/endpoints.ts';
import { EVENT_TYPES } from '../../modules/webhooks/names.ts';
import { keysOf } from '../../modules/secrets/keys.ts';
import { businessOf } from '../auth.ts';
import { contextOf, respond } from '../respond.ts';
import { Closed, errorResponses, Id, IdParams, ListQuery, Nullable, PageOf, Timestamp } from '../schemas.ts';
import { formatNative } from './format.ts';

const tags = ['webhooks'];
const PATH = '/webhook-endpoints';

const EventName = Type.String({
  minLength: 1,
  maxLength: 64,
  description: `An event type (${EVENT_TYPES.join(', ')}) or "*" for every event. Unknown names are a 422.`,
});
const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL that receives the POSTs.' });
const Description = Nullable(Type.String({ maxLength: 500 }));

const EndpointCreate = Closed({
  url: Url,
  events: Type.Array(EventName, { minItems: 1, maxItems: 100 }),
  description: Type.Optional(Description),
});
const EndpointUpdate = Closed(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Type.Array(EventName, { minItems: 1, maxItems: 100 })),
    description: Type.Optional(Description),
    disabled: Type.Optional(Type.Boolean({ description: 'false re-enables an endpoint (and resumes its pending deliveries).' })),
  },
  { minProperties: 1 },
);
const Endpoint = Type.Object({
  id: Type.String(),
  url: Type.String(),
  description: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  disabled: Type.Boolean(),
  disabled_reason: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});
const CreatedEndpoint = Type.Object({
  ...Endpoint.properties,
  secret: Type.String({ description: 'whsec_ + base64 of 32 random bytes. Shown once.' }),
});
const RotatedSecret = Type.Object({
  id: Type.String(),
  secret: Type.String({ description: 'The new signing secret. Shown once.' }),
  previous_secret_expires_at: { ...Timestamp, description: 'Until then the previous secret signs too (webhook-signature carries both).' },
});
const Delivery = Type.Object({
  id: Type.String(),
  endpoint_id: Type.String(),
  event_id: Type.String(),
  event_type: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  response_excerpt: Nullable(Type.String({ description: 'First 1 KB of the last answer.' })),
  last_attempt_at: Nullable(Timestamp),
  next_attempt_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});
const DeliveryPage = Type.Object({
  items: Type.Array(Delivery),
  limit: Type.Integer(),
  next_cursor: Nullable(Type.String()),
  has_next: Type.Boolean(),
});
const DeliveryQuery = Closed({
  limit: ListQuery.properties.limit,
  cursor: ListQuery.properties.cursor,
  status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')])),
});
const DeliveryParams = Closed({ id: Id, delivery_id: Id });

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
const allowPrivate = (request: FastifyRequest) => request.server.deps.config.webhookAllowPrivate;
// The secret is shown once: the idempotency record keeps the response without it.
const redactSecret = (payload: string) => payload.replace(/"secret":"whsec_[^"]*"/, '"secret":"[redacted]"');

function registerEndpointRoutes(app: FastifyInstance): void {
  app.post(
    PATH,
    {
      config: { scope: 'webhooks.CREATE' },
      schema: {
        tags,
        summary: 'Register a webhook endpoint',
        description: 'Subscribes a URL to event types (or "*"). The response carries the signing secret, shown only this once.',
        body: EndpointCreate,
        response: { 201: CreatedEndpoint, ...errorResponses(400, 401, 403, 422) },
      },
    },
    (request, reply) =>
      respond(request, reply, { status: 201, format: formatNative, body: (view) => view, redact: redactSecret }, (ctx) =>
        createEndpoint(ctx, request.body as EndpointInput, allowPrivate(request), keysOf(request.server.deps.config)),
      ),
  );
  app.get(
    PATH,
    {
      config: { scope: 'webhooks.READ' },
      schema: {
        tags,
        summary: 'List webhook endpoints',
        description: 'Newest first, keyset-paginated. Secrets are never listed.',
        querystring: ListQuery,
        response: { 200: PageOf(Endpoint), ...errorResponses(401, 403, 422) },
      },
    },
    async (request) => {
      const q = request.query as { limit: number; cursor?: string };
      return listEndpoints(request.server.deps.db, businessOf(request).businessId, { limit: q.limit, cursor: q.cursor });
    },
  );
  app.get(
    `${PATH}/:id`,
    {
      config: { scope: 'webhooks.READ' },
      schema: { tags, summary: 'Get a webhook endpoint', description: 'One endpoint, without its secret.', params: IdParams, response: { 200: Endpoint, ...errorResponses(401, 403, 404) } },
    },
    async (request) => endpointView(await findEndpoint(request.server.deps.db, businessOf(request).businessId, idOf(request))),
  );
  app.patch(
    `${PATH}/:id`,
    {
      config: { scope: 'webhooks.UPDATE' },
      schema: {
        tags,
        summary: 'Update a webhook endpoint',
        description: 'Changes the URL, the subscribed events, the description, or disables / re-enables it.',
        params: IdParams,
        body: EndpointUpdate,
        response: { 200: Endpoint, ...errorResponses(401, 403, 404, 422) },
      },
    },
    async (request) => updateEndpoint(contextOf(request), idOf(request), request.body as EndpointPatch, allowPrivate(request)),
  );
  app.delete(
    `${PATH}/:id`,
    {
      config: { scope: 'webhooks.DELETE' },
      schema: {
        tags,
        summary: 'Delete a webhook endpoint',
        description: 'Removes the endpoint and its delivery log; undelivered events are not sent. Events stay in the event log.',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deleteEndpoint(contextOf(request), idOf(request));
      return reply.code(204).send();
    },
  );
  app.post(
    `${PATH}/:id/rotate-secret`,
    {
      config: { scope: 'webhooks.UPDATE' },
      schema: {
        tags,
        summary: 'Rotate the signing secret',
        description: 'Issues a new secret (shown once). For 24 hours the previous secret signs too, so webhook-signature carries two signatures.',
        params: IdParams,
        response: { 200: RotatedSecret, ...errorResponses(400, 401, 403, 404) },
      },
    },
    (request, reply) =>
      respond(request, reply, { status: 200, format: formatNative, body: (view) => view, redact: redactSecret }, (ctx) => rotateSecret(ctx, idOf(request), keysOf(request.server.deps.config))),
  );
}

function registerDeliveryRoutes(app: FastifyInstance): void {
  app.get(
    `${PATH}/:id/deliveries`,
    {
      config: { scope: 'webhooks.READ' },
      schema: {
        tags,
        summary: "List an endpoint's deliveries",
        description: 'One delivery per event sent to this endpoint, newest first: status, attempts, last status code, an excerpt of the answer, next attempt.',
        params: IdParams,
        querystring: DeliveryQuery,
        response: { 200: DeliveryPage, ...errorResponses(401, 403, 404, 422) },
      },
    },
    async (request) => {
      const q = request.query as { limit: number; cursor?: string; status?: string };
      return listDeliveries(request.server.deps.db, businessOf(request).businessId, idOf(request), q);
    },
  );
  app.post(
    `${PATH}/:id/deliveries/:delivery_id/retry`,
    {
      config: { scope: 'webhooks.UPDATE' },
      schema: {
        tags,
        summary: 'Retry a delivery',
        description: 'Makes the delivery pending again with a fresh retry schedule; it is sent in event order, after any older pending delivery.',
        params: DeliveryParams,
        response: { 200: Delivery, ...errorResponses(400, 401, 403, 404) },
      },
    },
    (request, reply) => {
      const params = request.params as { id: string; delivery_id: string };
      return respond(request, reply, { status: 200, format: formatNative, body: (view) => view }, (ctx) => retryDelivery(ctx, params.id, params.delivery_id));
    },
  );
}

export function registerWebhookRoutes(app: FastifyInstance): void {
  registerEndpointRoutes(app);
  registerDeliveryRoutes(app);
}
