import { sql } from 'kysely';
import type { Db, Tx } from '../context.ts';

export interface IdempotencyScope {
  businessId: string;
  principalId: string;
  key: string;
}

export interface StoredResponse {
  fingerprint: string;
  statusCode: number;
  contentType: string;
  body: string;
}

export async function findStoredResponse(db: Db | Tx, scope: IdempotencyScope): Promise<StoredResponse | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['fingerprint', 'status_code', 'content_type', 'body'])
    .where('business_id', '=', scope.businessId)
    .where('principal_id', '=', scope.principalId)
    .where('key', '=', scope.key)
    .where('expires_at', '>', sql<string>`now()`)
    .executeTakeFirst();
  return row && { fingerprint: row.fingerprint, statusCode: row.status_code, contentType: row.content_type, body: row.body };
}

/**
 * Takes the per-key transaction lock. False means another transaction holds it: the first
 * request with this key is still in flight.
 */
export async function tryLockKey(tx: Tx, scope: IdempotencyScope): Promise<boolean> {
  const lockName = JSON.stringify([scope.businessId, scope.principalId, scope.key]);
  const result = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtextextended(${lockName}, 0)) as locked`.execute(tx);
  return result.rows[0]?.locked === true;
}

/** Stores a response; an expired record under the same key is replaced. */
export async function storeResponse(db: Db | Tx, scope: IdempotencyScope, response: StoredResponse, ttlSeconds: number): Promise<void> {
  const values = {
    business_id: scope.businessId,
    principal_id: scope.principalId,
    key: scope.key,
    fingerprint: response.fingerprint,
    status_code: response.statusCode,
    content_type: response.contentType,
    body: response.body,
    expires_at: sql<string>`now() + make_interval(secs => ${ttlSeconds})`,
  };
  await db
    .insertInto('idempotency_keys')
    .values(values as never)
    .onConflict((oc) =>
      oc
        .columns(['business_id', 'principal_id', 'key'])
        .doUpdateSet({
          fingerprint: response.fingerprint,
          status_code: response.statusCode,
          content_type: response.contentType,
          body: response.body,
          created_at: sql<string>`now()`,
          expires_at: sql<string>`now() + make_interval(secs => ${ttlSeconds})`,
        })
        .where('idempotency_keys.expires_at', '<=', sql<string>`now()`),
    )
    .execute();
}

export async function purgeExpired(db: Db): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('expires_at', '<=', sql<string>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}
