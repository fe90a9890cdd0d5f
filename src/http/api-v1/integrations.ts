import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { keysOf } from '../../modules/secrets/keys.ts';
import { type ConnectionInput, connectStripe, disconnectStripe, getConnection } from '../../modules/stripe/connection.ts';
import { requestPush } from '../../modules/stripe/request-push.ts';
import { businessOf } from '../auth.ts';
import { InvoiceResponse } from '../document-schemas.ts';
import { contextOf, respond } from '../respond.ts';
import { Closed, errorResponses, IdParams, Nullable, Timestamp } from '../schemas.ts';
import { formatNative } from './format.ts';

const tags = ['integrations'];
const PATH = '/integrations/stripe';

const StripeConnect = Closed({
  secret_key: Type.String({
    pattern: '^(sk|rk)_(test|live)_[A-Za-z0-9]{8,247}$',
    description: 'A Stripe secret (sk_…) or restricted (rk_…) key. Stored encrypted; never returned.',
  }),
  webhook_secret: Type.String({
    pattern: '^whsec_[A-Za-z0-9+/=]{8,200}$',
    description: "The signing secret (whsec_…) of the Stripe webhook endpoint pointed at webhook_url. Stored encrypted; never returned.",
  }),
  push: Type.Union([Type.Literal('on_finalize'), Type.Literal('manual')], {
    description: 'on_finalize: every finalized invoice with an amount due is pushed to Stripe; manual: only POST /api/v1/invoices/{id}/stripe.',
  }),
});

const StripeConnection = Type.Object({
  connected: Type.Boolean(),
  mode: Nullable(Type.Union([Type.Literal('test'), Type.Literal('live')])),
  push: Nullable(Type.Union([Type.Literal('on_finalize'), Type.Literal('manual')])),
  webhook_url: Type.String({ description: 'Where to point the Stripe webhook endpoint of this business.' }),
  connected_at: Nullable(Timestamp),
  updated_at: Nullable(Timestamp),
});

const keys = (request: FastifyRequest) => keysOf(request.server.deps.config);

/** PUT/GET/DELETE /api/v1/integrations/stripe and POST /api/v1/invoices/{id}/stripe (docs/stripe.md). */
export function registerIntegrationRoutes(app: FastifyInstance): void {
  app.put(
    PATH,
    {
      config: { scope: 'integrations.UPDATE' },
      schema: {
        tags,
        summary: 'Connect Stripe',
        description: 'Stores the Stripe secret key and webhook signing secret (encrypted at rest) and the push mode; connecting again replaces them. The answer never contains either secret.',
        body: StripeConnect,
        response: { 200: StripeConnection, ...errorResponses(401, 403, 422) },
      },
    },
    async (request) => connectStripe(contextOf(request), request.body as ConnectionInput, keys(request)),
  );
  app.get(
    PATH,
    {
      config: { scope: 'integrations.READ' },
      schema: {
        tags,
        summary: 'Get the Stripe connection',
        description: 'Whether Stripe is connected, in which mode and push setting, and the webhook URL to give Stripe. Never a secret.',
        response: { 200: StripeConnection, ...errorResponses(401, 403) },
      },
    },
    async (request) => getConnection(request.server.deps.db, businessOf(request).businessId, request.server.deps.config.publicUrl),
  );
  app.delete(
    PATH,
    {
      config: { scope: 'integrations.DELETE' },
      schema: {
        tags,
        summary: 'Disconnect Stripe',
        description: 'Forgets the keys. Pushes still queued fail; invoices already in Stripe stay there, and their events are no longer accepted.',
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await disconnectStripe(contextOf(request));
      return reply.code(204).send();
    },
  );
  app.post(
    '/invoices/:id/stripe',
    {
      config: { scope: 'invoices.UPDATE' },
      schema: {
        tags: ['invoices'],
        summary: 'Push an invoice to Stripe',
        description:
          'Queues the push of an issued invoice with an amount due (a background job creates it in Stripe and sets stripe_invoice_id). 202 with the invoice, stripe_sync.status pending; a push already queued or done is answered as it is, a failed one is queued again.',
        params: IdParams,
        response: { 202: InvoiceResponse, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    (request, reply) =>
      respond(request, reply, { status: 202, format: formatNative, body: (view) => view }, (ctx) => requestPush(ctx, (request.params as { id: string }).id)),
  );
}
