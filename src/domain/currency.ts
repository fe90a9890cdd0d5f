import { parseScaled } from './decimal.ts';
import { invalid } from './errors.ts';

export interface Currency {
  code: string;
  /** Digits after the decimal point of the major unit (ISO 4217 minor unit). */
  exponent: number;
}

// ISO 4217 minor units. Most currencies have 2; listed by exponent to keep it scannable.
const CODES_BY_EXPONENT: ReadonlyArray<readonly [number, string]> = [
  [0, 'JPY KRW VND CLP ISK UGX'],
  [
    2,
    'USD CAD AUD EUR GBP INR CHF SGD NZD HKD SEK NOK DKK ZAR AED SAR QAR CNY MXN BRL PLN CZK ' +
      'HUF ILS TRY RON MYR THB IDR PHP TWD LKR BDT NPR PKR KES NGN EGP',
  ],
  [3, 'KWD BHD OMR JOD TND'],
];

export const CURRENCIES: Record<string, Currency> = Object.freeze(
  Object.fromEntries(
    CODES_BY_EXPONENT.flatMap(([exponent, codes]) =>
      codes.split(' ').map((code) => [code, Object.freeze({ code, exponent })]),
    ),
  ),
);

export function isCurrency(code: string): boolean {
  // hasOwn, so that 'constructor' or 'toString' are not currencies.
  return Object.hasOwn(CURRENCIES, code);
}

export function currencyExponent(code: string, field?: string): number {
  const currency = isCurrency(code) ? CURRENCIES[code] : undefined;
  if (!currency) throw invalid(`Unknown currency '${code}'.`, field);
  return currency.exponent;
}

/** Validates a currency code from input, accepting lower case; returns the ISO code. */
export function parseCurrency(value: string, field: string): string {
  const code = value.trim().toUpperCase();
  currencyExponent(code, field);
  return code;
}

/**
 * Decimal major units (`"12.50"`) → integer minor units of `code`, exactly: more decimal
 * places than the currency has is an error (`12.345` INR), never a rounding.
 */
export function toMinorUnits(major: string, code: string, field: string): bigint {
  const minor = parseScaled(major, currencyExponent(code, field), field);
  if (minor < 0n) throw invalid(`Field '${field}' must not be negative.`, field);
  return minor;
}
