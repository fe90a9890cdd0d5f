import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import { uuidv7 } from '../../ids.ts';
import type { Db, Principal, Tx } from '../context.ts';
import { LOOKUP_TTL_MS, LookupCache } from '../lookup-cache.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const TOKEN_PREFIX = 'bw_pat_';

export function generateToken(): string {
  let body = '';
  for (let i = 0; i < 40; i++) body += BASE62[randomInt(62)];
  return TOKEN_PREFIX + body;
}

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** Compares two secrets through their SHA-256 digests: fixed length, so it never throws. */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(hashToken(a), hashToken(b));
}

export interface TokenGrant {
  tokenId: string;
  principal: Principal;
  scopes: string[];
  businessIds: string[];
}

interface GrantRow {
  token_id: string;
  hash: Uint8Array;
  scopes: string[];
  principal_id: string;
  principal_name: string;
  principal_type: 'admin' | 'api';
  business_ids: string[] | null;
}

/**
 * A principal gets its memberships when it is created, and only an operator revokes a token
 * (setting `revoked_at` in the database), so a cached grant is at most a second late in
 * refusing a revoked token (docs/decisions.md).
 */
const grants = new LookupCache<TokenGrant>(LOOKUP_TTL_MS);

/** The token, its principal and the businesses the principal reaches: one round trip, or none when cached. */
export async function findGrant(db: Db, token: string): Promise<TokenGrant | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const hash = hashToken(token);
  return grants.get(hash.toString('base64'), () => loadGrant(db, hash));
}

async function loadGrant(db: Db, hash: Buffer): Promise<TokenGrant | undefined> {
  const result = await sql<GrantRow>`
    select t.id as token_id, t.hash, t.scopes, p.id as principal_id, p.name as principal_name,
           p.type as principal_type,
           array(select m.business_id from memberships m where m.principal_id = p.id) as business_ids
    from tokens t join principals p on p.id = t.principal_id
    where t.hash = ${hash} and t.revoked_at is null`.execute(db);
  const row = result.rows[0];
  if (!row || !timingSafeEqual(Buffer.from(row.hash), hash)) return undefined;
  return {
    tokenId: row.token_id,
    principal: { id: row.principal_id, name: row.principal_name, type: row.principal_type },
    scopes: row.scopes,
    businessIds: row.business_ids ?? [],
  };
}

export interface IssuedToken {
  id: string;
  token: string;
  prefix: string;
}

export async function issueToken(
  tx: Tx,
  input: { principalId: string; name: string; scopes: string[] },
): Promise<IssuedToken> {
  const token = generateToken();
  const id = uuidv7();
  const prefix = token.slice(0, TOKEN_PREFIX.length + 6);
  await tx
    .insertInto('tokens')
    .values({ id, principal_id: input.principalId, name: input.name, prefix, hash: hashToken(token), scopes: input.scopes })
    .execute();
  return { id, token, prefix };
}

export async function createPrincipal(tx: Tx, input: { name: string; type: 'admin' | 'api' }): Promise<Principal> {
  const principal = { id: uuidv7(), name: input.name, type: input.type };
  await tx.insertInto('principals').values(principal).execute();
  return principal;
}

export async function grantMembership(tx: Tx, businessId: string, principalId: string): Promise<void> {
  await tx.insertInto('memberships').values({ business_id: businessId, principal_id: principalId }).onConflict((oc) => oc.doNothing()).execute();
}
