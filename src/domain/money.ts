import { currencyExponent } from './currency.ts';
import { formatScaled, parseScaled } from './decimal.ts';
import { DomainError } from './errors.ts';

/** round(a × b / divisor), halves rounded away from zero. */
export function mulDivHalfUp(a: bigint, b: bigint, divisor: bigint): bigint {
  if (divisor <= 0n) throw new RangeError('mulDivHalfUp: divisor must be positive');
  const product = a * b;
  const quotient = product / divisor;
  const remainder = product % divisor;
  const absRemainder = remainder < 0n ? -remainder : remainder;
  if (absRemainder * 2n < divisor) return quotient;
  return product < 0n ? quotient - 1n : quotient + 1n;
}

/** Decimal major units ("12.34" USD) → integer minor units (1234n). */
export function majorToMinor(value: number | string, currency: string, field: string): bigint {
  return parseScaled(value, currencyExponent(currency, 'currency'), field);
}

function toBigInt(amount: number | bigint): bigint {
  if (typeof amount === 'bigint') return amount;
  if (!Number.isSafeInteger(amount)) throw new RangeError(`Not a minor-unit amount: ${amount}`);
  return BigInt(amount);
}

/** Integer minor units → exact decimal major units ("12.34"). */
export function minorToMajor(amount: number | bigint, currency: string): string {
  return formatScaled(toBigInt(amount), currencyExponent(currency));
}

function readsBackAs(major: number, places: number, exact: bigint): boolean {
  try {
    return parseScaled(major, places, 'amount') === exact;
  } catch {
    return false; // the double printed with more places than the currency has
  }
}

/**
 * Major units as a JS number, for wire formats that use decimal major units. Number() of
 * the exact decimal text is the correctly rounded double, which prints back as that text
 * for up to 15 significant digits; beyond that a double may not hold it, so we refuse.
 */
export function minorToMajorNumber(amount: number | bigint, currency: string): number {
  const exact = toBigInt(amount);
  const places = currencyExponent(currency);
  const major = Number(formatScaled(exact, places));
  if (!readsBackAs(major, places, exact)) {
    throw new DomainError(
      'validation.too_large',
      `Amount ${formatScaled(exact, places)} ${currency} cannot be written exactly as a JSON number.`,
    );
  }
  return major;
}

/** Locales whose grouping a currency's users expect (lakh and crore for INR); else en-US. */
const MONEY_LOCALE: Record<string, string> = { INR: 'en-IN' };

/**
 * An amount as an error message shows it: the wire's minor units and the currency's major
 * units, `236000 (₹2,360.00)`. The decimal string is formatted exactly (no float).
 */
export function describeMoney(amount: number | bigint, currency: string): string {
  const places = currencyExponent(currency);
  const format = new Intl.NumberFormat(MONEY_LOCALE[currency] ?? 'en-US', { style: 'currency', currency, minimumFractionDigits: places, maximumFractionDigits: places });
  // Intl formats a decimal string exactly; its types only admit number | bigint.
  return `${amount} (${format.format(minorToMajor(amount, currency) as unknown as number)})`;
}
