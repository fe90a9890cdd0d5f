import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { getEvent, listEvents } from '../../modules/events/read.ts';
import { businessOf } from '../auth.ts';
import { Closed, errorResponses, ListQuery, Nullable, Timestamp } from '../schemas.ts';

const tags = ['events'];

const Event = Type.Object({
  id: Type.String({ description: 'Stable event id; the webhook-id of its deliveries.' }),
  type: Type.String(),
  created_at: Timestamp,
  business_id: Type.String(),
  data: Type.Unknown({ description: 'The object as it was when the event happened.' }),
});
const EventPage = Type.Object({
  items: Type.Array(Event),
  total: Type.Null(),
  limit: Type.Integer(),
  next_cursor: Nullable(Type.String()),
  prev_cursor: Nullable(Type.String()),
  has_next: Type.Boolean(),
  has_prev: Type.Boolean(),
});
const EventQuery = Closed({
  limit: ListQuery.properties.limit,
  cursor: ListQuery.properties.cursor,
  type: Type.Optional(Type.String({ maxLength: 64, description: 'Only events of this type, e.g. INVOICE_CREATED.' })),
  created_after: Type.Optional({ ...Timestamp, description: 'Created strictly after.' }),
  created_before: Type.Optional({ ...Timestamp, description: 'Created strictly before.' }),
});

/** The event log: every event of the business, kept EVENT_RETENTION_DAYS, whether or not an endpoint listens. */
export function registerEventRoutes(app: FastifyInstance): void {
  app.get(
    '/events',
    {
      config: { scope: 'webhooks.READ' },
      schema: {
        tags,
        summary: 'List events',
        description: 'Every event of the business, newest first, keyset-paginated; filter by type and created range to reconcile after an outage.',
        querystring: EventQuery,
        response: { 200: EventPage, ...errorResponses(401, 403, 422) },
      },
    },
    async (request) => {
      const q = request.query as { limit: number; cursor?: string; type?: string; created_after?: string; created_before?: string };
      return listEvents(request.server.deps.db, businessOf(request).businessId, {
        limit: q.limit,
        cursor: q.cursor,
        type: q.type,
        createdAfter: q.created_after,
        createdBefore: q.created_before,
      });
    },
  );
  app.get(
    '/events/:id',
    {
      config: { scope: 'webhooks.READ' },
      schema: {
        tags,
        summary: 'Get an event',
        description: 'One event by id, with the payload its webhooks carry.',
        params: Closed({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Event, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => getEvent(request.server.deps.db, businessOf(request).businessId, (request.params as { id: string }).id),
  );
}
