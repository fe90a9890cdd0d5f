import { uuidv7 } from '../../ids.ts';
import { isCurrency } from '../../domain/currency.ts';
import { invalid, required } from '../../domain/errors.ts';
import { CHART_OF_ACCOUNTS } from '../../domain/ledger.ts';
import { isValidPrefix } from '../../domain/numbering.ts';
import { isPlaceOfSupply } from '../../domain/tax.ts';
import type { Business } from '../../db/schema.ts';
import { createPrincipal, grantMembership, issueToken } from '../auth/tokens.ts';
import { type Context, type Db, type Tx, transact } from '../context.ts';
import { LOOKUP_TTL_MS, LookupCache } from '../lookup-cache.ts';

export interface NewBusiness {
  id?: string | undefined;
  name: string;
  country: string;
  state?: string | null | undefined;
  currency: string;
  gstin?: string | null | undefined;
  invoice_prefix?: string | undefined;
  number_padding?: number | undefined;
  number_reset?: 'never' | 'fiscal_year' | undefined;
  credit_note_prefix?: string | undefined;
  debit_note_prefix?: string | undefined;
}

function validate(input: NewBusiness): void {
  if (!/^[A-Z]{2}$/.test(input.country)) throw invalid('country must be an ISO 3166-1 alpha-2 code such as IN or US.', 'country');
  if (!isCurrency(input.currency)) throw invalid(`Unknown currency '${input.currency}'.`, 'currency');
  if (input.country === 'IN') {
    if (!input.state) throw required('state');
    if (!isPlaceOfSupply(input.state)) throw invalid(`Unknown Indian state code '${input.state}'.`, 'state');
  }
  assertNumbering({
    prefixes: {
      invoice_prefix: input.invoice_prefix ?? 'INV-',
      credit_note_prefix: input.credit_note_prefix ?? 'CN-',
      debit_note_prefix: input.debit_note_prefix ?? 'DN-',
    },
    padding: input.number_padding ?? 5,
    reset: input.number_reset ?? 'never',
  });
}

/** The document number formats a business chooses; shared by create and profile updates. */
export function assertNumbering(numbering: { prefixes: Record<string, string>; padding: number; reset: 'never' | 'fiscal_year' }): void {
  // GST caps invoice (and note) numbers at 16 characters; leave room for the counter (and a fiscal year).
  const room = 16 - numbering.padding - (numbering.reset === 'fiscal_year' ? 5 : 0);
  for (const [field, prefix] of Object.entries(numbering.prefixes)) {
    if (!isValidPrefix(prefix)) throw invalid(`${field} may contain only letters, digits, / and -.`, field);
    if (prefix.length > room) throw invalid(`${field} is too long: numbers must fit in 16 characters.`, field);
  }
}

async function insertBusiness(tx: Tx, input: NewBusiness, now: string): Promise<Business> {
  const business = await tx
    .insertInto('businesses')
    .values({
      id: input.id ?? uuidv7(),
      name: input.name,
      country: input.country,
      state: input.state ?? null,
      currency: input.currency,
      gstin: input.gstin ?? null,
      ...(input.invoice_prefix !== undefined ? { invoice_prefix: input.invoice_prefix } : {}),
      ...(input.number_padding !== undefined ? { number_padding: input.number_padding } : {}),
      ...(input.number_reset !== undefined ? { number_reset: input.number_reset } : {}),
      ...(input.credit_note_prefix !== undefined ? { credit_note_prefix: input.credit_note_prefix } : {}),
      ...(input.debit_note_prefix !== undefined ? { debit_note_prefix: input.debit_note_prefix } : {}),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await tx
    .insertInto('accounts')
    .values(CHART_OF_ACCOUNTS.map((a) => ({ business_id: business.id, code: a.code, name: a.name, type: a.type })))
    .execute();
  return business;
}

/**
 * Creates a tenant with its chart of accounts, an owner principal and a token holding every
 * scope — one transaction, so a business never exists without its ledger or its owner.
 */
export async function createBusiness(
  ctx: Pick<Context, 'db' | 'clock' | 'hooks'>,
  input: NewBusiness,
): Promise<{ business: Business; token: string }> {
  validate(input);
  return transact(ctx, async (tx) => {
    const business = await insertBusiness(tx, input, ctx.clock().toISOString());
    const owner = await createPrincipal(tx, { name: `${input.name} owner`, type: 'admin' });
    await grantMembership(tx, business.id, owner.id);
    const issued = await issueToken(tx, { principalId: owner.id, name: 'owner', scopes: ['*'] });
    return { business, token: issued.token };
  });
}

/** A new API principal with a token on an existing business (CLI `tokens create`). */
export async function createApiToken(
  db: Db,
  input: { businessId: string; name: string; scopes: string[] },
): Promise<{ token: string; principalId: string }> {
  return db.transaction().execute(async (tx) => {
    const exists = await tx.selectFrom('businesses').select('id').where('id', '=', input.businessId).executeTakeFirst();
    if (!exists) throw invalid(`Business '${input.businessId}' does not exist.`, 'business');
    const principal = await createPrincipal(tx, { name: input.name, type: 'api' });
    await grantMembership(tx, input.businessId, principal.id);
    const issued = await issueToken(tx, { principalId: principal.id, name: input.name, scopes: input.scopes });
    return { token: issued.token, principalId: principal.id };
  });
}

export async function getBusiness(db: Db | Tx, businessId: string): Promise<Business> {
  return db.selectFrom('businesses').selectAll().where('id', '=', businessId).executeTakeFirstOrThrow();
}

const businesses = new LookupCache<Business>(LOOKUP_TTL_MS);

/**
 * The business as a request reads it before its transaction (to price and number a batch):
 * kept a second, as the row read per request could already be a moment old (lookup-cache.ts).
 */
export function getBusinessCached(db: Db, businessId: string): Promise<Business> {
  return businesses.get(businessId, () => getBusiness(db, businessId)) as Promise<Business>;
}

/** After a change to the business row commits: this process reads it afresh. */
export function forgetBusiness(businessId: string): void {
  businesses.forget(businessId);
}
