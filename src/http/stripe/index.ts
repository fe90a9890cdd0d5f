import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { keysOf } from '../../modules/secrets/keys.ts';
import { loadStripe } from '../../modules/stripe/client.ts';
import { openConnection } from '../../modules/stripe/connection.ts';
import { type StripeEvent, takeStripeEvent } from '../../modules/stripe/events.ts';
import { RequestError } from '../problem.ts';
import { Closed, errorResponses, Nullable } from '../schemas.ts';

/** Stripe's own default: a signature older (or newer) than this is refused. */
const TOLERANCE_SECONDS = 300;

const Params = Closed({ business_id: Type.String({ minLength: 1, maxLength: 64 }) });
const Received = Type.Object({
  received: Type.Boolean(),
  outcome: Type.String({ description: 'What the event did: payment_recorded, already_settled, refund_recorded, voided, unknown_invoice, ignored, duplicate, … (docs/stripe.md).' }),
  invoice_id: Nullable(Type.String()),
});

const badSignature = (why: string) => new RequestError(400, 'stripe.signature_invalid', `Stripe-Signature does not verify: ${why}`);

/**
 * The event a request carries, verified over its raw bytes with the business's webhook
 * secret: a missing, tampered or stale signature, or one made with another business's
 * secret, is a 400 before anything is read from the body.
 */
async function verifiedEvent(request: FastifyRequest): Promise<StripeEvent> {
  const { business_id: businessId } = request.params as { business_id: string };
  const { db, config, clock } = request.server.deps;
  const connection = await openConnection(db, businessId, keysOf(config));
  if (!connection) throw new RequestError(400, 'stripe.not_connected', 'This business has no Stripe connection.');
  const header = request.headers['stripe-signature'];
  if (typeof header !== 'string') throw badSignature('the Stripe-Signature header is missing.');
  const Sdk = await loadStripe();
  let event: unknown;
  try {
    // The SDK takes the receiving time in milliseconds (it divides by 1000 itself).
    const receivedAt = clock().getTime();
    event = Sdk.webhooks.constructEvent(request.body as Buffer, header, connection.webhookSecret, TOLERANCE_SECONDS, undefined, receivedAt);
  } catch (error) {
    throw badSignature(error instanceof Error ? error.message : 'unreadable signature.');
  }
  if (!isEvent(event)) throw new RequestError(400, 'stripe.invalid_event', 'The body is signed but is not a Stripe event (id, type, created, data.object).');
  return event;
}

function isEvent(value: unknown): value is StripeEvent {
  const e = value as Partial<StripeEvent> | null;
  const object = e?.data?.object;
  return (
    typeof e?.id === 'string' &&
    /^[\w-]{1,255}$/.test(e.id) &&
    typeof e.type === 'string' &&
    /^[\w.]{1,255}$/.test(e.type) &&
    typeof e.created === 'number' &&
    typeof object === 'object' &&
    object !== null &&
    !Array.isArray(object)
  );
}

/** POST /webhooks/stripe/{business_id}: Stripe's events for one business (docs/stripe.md, "Inbound"). */
export async function stripeSurface(app: FastifyInstance): Promise<void> {
  // The signature covers the exact bytes Stripe sent: the body stays a Buffer here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_request, body, done) => done(null, body));
  app.post(
    '/webhooks/stripe/:business_id',
    {
      config: { auth: 'none' },
      schema: {
        tags: ['integrations'],
        summary: 'Receive a Stripe event',
        description:
          'Stripe posts its events here (the webhook_url of the connection). Stripe-Signature is verified over the raw body with the webhook secret (300 s tolerance); each event id has one effect however often it arrives. Unknown invoices and event types answer 200.',
        params: Params,
        response: { 200: Received, ...errorResponses(400) },
      },
    },
    async (request) => {
      const event = await verifiedEvent(request);
      const { db, clock, config } = request.server.deps;
      const businessId = (request.params as { business_id: string }).business_id;
      const ctx = { db, clock, businessId, baseUrl: config.publicUrl, principal: { id: 'stripe', name: 'Stripe', type: 'api' as const } };
      const result = await takeStripeEvent(ctx, event);
      request.log.info({ business_id: businessId, stripe_event: event.id, type: event.type, ...result }, 'stripe event');
      return { received: true, ...result };
    },
  );
}
