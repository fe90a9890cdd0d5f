import { DomainError, notFound } from '../../domain/errors.ts';
import { type Context, type Db, type Tx, transact } from '../context.ts';
import { stripeSecretAad } from '../secrets/at-rest.ts';
import { open, seal } from '../secrets/box.ts';
import type { SecretKeys } from '../secrets/keys.ts';

export type PushMode = 'on_finalize' | 'manual';

export interface ConnectionInput {
  secret_key: string;
  webhook_secret: string;
  push: PushMode;
}

/** What the API shows of a connection: never either secret. */
export interface ConnectionView {
  connected: boolean;
  mode: 'test' | 'live' | null;
  push: PushMode | null;
  /** Where to point the Stripe webhook endpoint of this business (its events, signed with webhook_secret). */
  webhook_url: string;
  connected_at: string | null;
  updated_at: string | null;
}

/** A connection with its secrets opened, for the push job and the inbound route only. */
export interface OpenConnection {
  secretKey: string;
  webhookSecret: string;
  push: PushMode;
}

const webhookUrl = (baseUrl: string, businessId: string) => `${baseUrl}/webhooks/stripe/${businessId}`;

/** Stripe's secret and restricted keys say whether they are live or test keys. */
const modeOf = (secretKey: string) => (secretKey.includes('_live_') ? 'live' : 'test');

type Row = { mode: 'test' | 'live'; push: PushMode; created_at: string; updated_at: string };

const view = (row: Row | undefined, baseUrl: string, businessId: string): ConnectionView => ({
  connected: row !== undefined,
  mode: row?.mode ?? null,
  push: row?.push ?? null,
  webhook_url: webhookUrl(baseUrl, businessId),
  connected_at: row?.created_at ?? null,
  updated_at: row?.updated_at ?? null,
});

/** Connects (or reconnects with new keys or push mode): both secrets sealed before they are written. */
export function connectStripe(ctx: Context, input: ConnectionInput, keys: SecretKeys): Promise<ConnectionView> {
  const now = ctx.clock().toISOString();
  const row = {
    business_id: ctx.businessId,
    secret_key: seal(keys, input.secret_key, stripeSecretAad(ctx.businessId, 'secret_key')),
    webhook_secret: seal(keys, input.webhook_secret, stripeSecretAad(ctx.businessId, 'webhook_secret')),
    mode: modeOf(input.secret_key),
    push: input.push,
    created_at: now,
    updated_at: now,
  } as const;
  return transact(ctx, async (tx) => {
    const saved = await tx
      .insertInto('stripe_connections')
      .values(row)
      .onConflict((oc) => oc.column('business_id').doUpdateSet({ secret_key: row.secret_key, webhook_secret: row.webhook_secret, mode: row.mode, push: row.push, updated_at: now }))
      .returning(['mode', 'push', 'created_at', 'updated_at'])
      .executeTakeFirstOrThrow();
    return view(saved, ctx.baseUrl, ctx.businessId);
  });
}

export async function getConnection(db: Db, businessId: string, baseUrl: string): Promise<ConnectionView> {
  const row = await db.selectFrom('stripe_connections').select(['mode', 'push', 'created_at', 'updated_at']).where('business_id', '=', businessId).executeTakeFirst();
  return view(row, baseUrl, businessId);
}

/** Forgets the keys. Pushes still queued fail with "not connected"; Stripe's copies are left as they are. */
export async function disconnectStripe(ctx: Context): Promise<void> {
  await transact(ctx, async (tx) => {
    const result = await tx.deleteFrom('stripe_connections').where('business_id', '=', ctx.businessId).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound('Stripe connection', ctx.businessId);
  });
}

/** The business's connection with its secrets in clear, or undefined when it is not connected. */
export async function openConnection(db: Db | Tx, businessId: string, keys: SecretKeys): Promise<OpenConnection | undefined> {
  const row = await db.selectFrom('stripe_connections').select(['secret_key', 'webhook_secret', 'push']).where('business_id', '=', businessId).executeTakeFirst();
  if (!row) return undefined;
  return {
    secretKey: open(keys, row.secret_key, stripeSecretAad(businessId, 'secret_key')),
    webhookSecret: open(keys, row.webhook_secret, stripeSecretAad(businessId, 'webhook_secret')),
    push: row.push,
  };
}

export const notConnected = () => new DomainError('state.invalid', 'Stripe is not connected: PUT /api/v1/integrations/stripe first.');
