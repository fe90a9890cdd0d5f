import { randomBytes } from 'node:crypto';
import { uuidv7 } from '../../ids.ts';
import type { Selectable } from 'kysely';
import type { WebhookEndpointsTable } from '../../db/schema.ts';
import { invalid, notFound } from '../../domain/errors.ts';
import { enqueueJobs } from '../../jobs/queue.ts';
import { type Context, type Db, type Tx, transact } from '../context.ts';
import { decodeCursor, keysetClause, type Page, type PageRequest, toPage } from '../pagination.ts';
import { DRAIN_QUEUE, EVENT_TYPES } from './names.ts';
import { checkTargetUrl } from './target.ts';
import { webhookSecretAad } from '../secrets/at-rest.ts';
import { open, seal } from '../secrets/box.ts';
import type { SecretKeys } from '../secrets/keys.ts';
import type { SigningSecrets } from './signing.ts';

export type EndpointRow = Selectable<WebhookEndpointsTable>;

export interface EndpointView {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  disabled: boolean;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** How long the previous secret keeps signing after a rotation. */
const ROTATION_OVERLAP_MS = 24 * 3600_000;

/** `whsec_` + base64 of 32 random bytes, as the Standard Webhooks libraries expect. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

export const endpointView = (row: EndpointRow): EndpointView => ({
  id: row.id,
  url: row.url,
  description: row.description,
  events: row.events,
  disabled: row.disabled,
  disabled_reason: row.disabled_reason,
  created_at: row.created_at,
  updated_at: row.updated_at,
});

const KNOWN = new Set<string>(EVENT_TYPES);

function checkEvents(events: string[]): string[] {
  events.forEach((event, i) => {
    if (event !== '*' && !KNOWN.has(event)) throw invalid(`Unknown event type '${event}'.`, `events[${i}]`);
  });
  return [...new Set(events)];
}

export interface EndpointInput {
  url: string;
  events: string[];
  description?: string | null | undefined;
}

export interface EndpointPatch {
  url?: string | undefined;
  events?: string[] | undefined;
  description?: string | null | undefined;
  disabled?: boolean | undefined;
}

export async function createEndpoint(ctx: Context, input: EndpointInput, allowPrivate: boolean, keys: SecretKeys): Promise<EndpointView & { secret: string }> {
  const now = ctx.clock().toISOString();
  const id = uuidv7();
  const secret = newSecret();
  const row = {
    business_id: ctx.businessId,
    id,
    url: checkTargetUrl(input.url, allowPrivate),
    description: input.description ?? null,
    events: checkEvents(input.events),
    secret: seal(keys, secret, webhookSecretAad(ctx.businessId, id)),
    created_at: now,
    updated_at: now,
  };
  // The transaction's result is the response (an idempotency record seals it): the secret in clear, shown once.
  return transact(ctx, async (tx) => ({ ...endpointView(await tx.insertInto('webhook_endpoints').values(row).returningAll().executeTakeFirstOrThrow()), secret }));
}

export async function findEndpoint(db: Db | Tx, businessId: string, id: string): Promise<EndpointRow> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('business_id', '=', businessId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Webhook endpoint', id);
  return row;
}

export async function listEndpoints(db: Db, businessId: string, page: PageRequest): Promise<Page<EndpointView>> {
  const keyset = decodeCursor(page.cursor);
  const clause = keysetClause(keyset);
  let query = db.selectFrom('webhook_endpoints').selectAll().where('business_id', '=', businessId);
  if (clause.where) query = query.where(clause.where);
  const rows = await query.orderBy(clause.order as never).limit(page.limit + 1).execute();
  return toPage(rows, page, keyset, null, endpointView);
}

/** Wakes the endpoint's drain job (work may be waiting: re-enabled endpoint, manual retry). */
export function wakeEndpoint(tx: Tx, businessId: string, endpointId: string, key = endpointId): Promise<void> {
  return enqueueJobs(tx, [{ businessId, queue: DRAIN_QUEUE, key, payload: { endpoint_id: endpointId } }]);
}

export async function updateEndpoint(ctx: Context, id: string, patch: EndpointPatch, allowPrivate: boolean): Promise<EndpointView> {
  const changes = {
    ...(patch.url === undefined ? {} : { url: checkTargetUrl(patch.url, allowPrivate) }),
    ...(patch.events === undefined ? {} : { events: checkEvents(patch.events) }),
    ...(patch.description === undefined ? {} : { description: patch.description }),
    // Re-enabling forgets the failure history; disabling by hand says so.
    ...(patch.disabled === undefined ? {} : { disabled: patch.disabled, disabled_reason: patch.disabled ? 'disabled by the API' : null, failing_since: null }),
    updated_at: ctx.clock().toISOString(),
  };
  return transact(ctx, async (tx) => {
    const row = await tx
      .updateTable('webhook_endpoints')
      .set(changes)
      .where('business_id', '=', ctx.businessId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('Webhook endpoint', id);
    if (patch.disabled === false) await wakeEndpoint(tx, ctx.businessId, id);
    return endpointView(row);
  });
}

export async function deleteEndpoint(ctx: Context, id: string): Promise<void> {
  await transact(ctx, async (tx) => {
    const result = await tx.deleteFrom('webhook_endpoints').where('business_id', '=', ctx.businessId).where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound('Webhook endpoint', id);
  });
}

/** A new secret; the current one keeps signing beside it for 24 hours (ROTATION_OVERLAP_MS). */
export async function rotateSecret(ctx: Context, id: string, keys: SecretKeys): Promise<{ id: string; secret: string; previous_secret_expires_at: string }> {
  const now = ctx.clock();
  const until = new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString();
  return transact(ctx, async (tx) => {
    const current = await tx
      .selectFrom('webhook_endpoints')
      .select('secret')
      .where('business_id', '=', ctx.businessId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw notFound('Webhook endpoint', id);
    const secret = newSecret();
    await tx
      .updateTable('webhook_endpoints')
      .set({ secret: seal(keys, secret, webhookSecretAad(ctx.businessId, id)), previous_secret: current.secret, previous_secret_until: until, updated_at: now.toISOString() })
      .where('business_id', '=', ctx.businessId)
      .where('id', '=', id)
      .execute();
    return { id, secret, previous_secret_expires_at: until };
  });
}

/** The endpoint's signing secrets in clear, for the one moment a delivery is signed. */
export function openSigningSecrets(keys: SecretKeys, endpoint: EndpointRow): SigningSecrets {
  const aad = webhookSecretAad(endpoint.business_id, endpoint.id);
  return {
    secret: open(keys, endpoint.secret, aad),
    previous_secret: endpoint.previous_secret === null ? null : open(keys, endpoint.previous_secret, aad),
    previous_secret_until: endpoint.previous_secret_until,
  };
}
