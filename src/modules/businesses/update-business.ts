import type { Business } from '../../db/schema.ts';
import { invalid, notFound, required } from '../../domain/errors.ts';
import { canonicalTimeZone } from '../../domain/dates.ts';
import { gstStateCode, isPlaceOfSupply, stateLabel } from '../../domain/tax.ts';
import { type Context, transact } from '../context.ts';
import { scheduleRun } from '../recurring/runs.ts';
import { assertNumbering, forgetBusiness } from './create-business.ts';

export interface PostalAddress {
  line1?: string | undefined;
  line2?: string | undefined;
  city?: string | undefined;
  state?: string | undefined;
  postal_code?: string | undefined;
  country?: string | undefined;
}

/** The profile fields a business may change; country and currency are fixed (the ledger is in that currency). */
export interface BusinessPatch {
  name?: string;
  legal_name?: string | null;
  address?: PostalAddress | null;
  state?: string | null;
  gstin?: string | null;
  tax_id?: string | null;
  locale?: string | null;
  time_zone?: string | null;
  invoice_prefix?: string;
  number_padding?: number;
  number_reset?: 'never' | 'fiscal_year';
  footer?: string | null;
  terms?: string | null;
}

function assertLocale(locale: string): void {
  try {
    Intl.getCanonicalLocales(locale);
  } catch {
    throw invalid(`'${locale}' is not a BCP 47 locale such as en-IN or de-DE.`, 'locale');
  }
}

/** An IANA zone in its canonical spelling; null (clear it) means UTC, the default. */
function timeZoneOf(timeZone: string | null): string {
  if (timeZone === null) return 'UTC';
  const canonical = canonicalTimeZone(timeZone);
  if (!canonical) throw invalid(`'${timeZone}' is not an IANA time zone such as Asia/Kolkata.`, 'time_zone');
  return canonical;
}

function validatePatch(business: Business, patch: BusinessPatch): void {
  if (patch.locale) assertLocale(patch.locale);
  const state = patch.state === undefined ? business.state : patch.state;
  if (business.country === 'IN') {
    if (!state) throw required('state');
    if (!isPlaceOfSupply(state)) throw invalid(`Unknown Indian state code '${state}'.`, 'state');
  }
  if (patch.gstin && business.country !== 'IN') throw invalid('gstin applies to Indian businesses; use tax_id for a VAT or tax id.', 'gstin');
  const gstin = patch.gstin === undefined ? business.gstin : patch.gstin;
  // A GSTIN begins with the numeric code of the state it is registered in.
  if (gstin && state && gstStateCode(state) !== gstin.slice(0, 2)) {
    throw invalid(`GSTIN ${gstin} is not registered in ${stateLabel(state)}.`, patch.gstin === undefined ? 'state' : 'gstin');
  }
  assertNumbering({
    prefixes: {
      invoice_prefix: patch.invoice_prefix ?? business.invoice_prefix,
      credit_note_prefix: business.credit_note_prefix,
      debit_note_prefix: business.debit_note_prefix,
    },
    padding: patch.number_padding ?? business.number_padding,
    reset: patch.number_reset ?? business.number_reset,
  });
}

/** Changes a business's profile (what its documents print and how they are numbered). */
export async function updateBusiness(ctx: Context, id: string, patch: BusinessPatch): Promise<Business> {
  if (id !== ctx.businessId) throw notFound('Business', id);
  const updated = await transact(ctx, async (tx) => {
    const business = await tx.selectFrom('businesses').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!business) throw notFound('Business', id);
    validatePatch(business, patch);
    const { address, time_zone, ...rest } = patch;
    // Another zone moves every template's midnight: the scheduler looks again now.
    if (time_zone !== undefined) await scheduleRun(tx, id, ctx.clock(), undefined, ctx.clock());
    return tx
      .updateTable('businesses')
      .set({
        ...rest,
        ...(address !== undefined ? { address: address === null ? null : JSON.stringify(address) } : {}),
        ...(time_zone !== undefined ? { time_zone: timeZoneOf(time_zone) } : {}),
        updated_at: ctx.clock().toISOString(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
  forgetBusiness(id);
  return updated;
}
