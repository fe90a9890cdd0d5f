import { DomainError, invalid } from './errors.ts';

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

// Far beyond any amount we store; stops "1e999999" from building a gigantic bigint.
const MAX_DIGITS = 40;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function notDecimal(field: string): DomainError {
  return invalid(`Field '${field}' must be a decimal number.`, field);
}

function tooManyPlaces(places: number, field: string): DomainError {
  return places === 0
    ? invalid(`Field '${field}' must be a whole number.`, field)
    : invalid(`Field '${field}' must have at most ${places} decimal places.`, field);
}

function tooLarge(field: string): DomainError {
  return new DomainError('validation.too_large', `Field '${field}' is too large.`, field);
}

function decimalText(value: number | string, field: string): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw notDecimal(field);
    // String() is the shortest text that round-trips to the same double, i.e. what the
    // client most likely wrote; we parse that text instead of multiplying the float.
    return String(value);
  }
  if (typeof value !== 'string') throw notDecimal(field);
  return value.trim();
}

/** Parses a decimal into an integer scaled by 10^places, exactly. */
export function parseScaled(value: number | string, places: number, field: string): bigint {
  const match = DECIMAL.exec(decimalText(value, field));
  if (!match) throw notDecimal(field);
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  if (whole === '' && fraction === '') throw notDecimal(field);

  let digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return 0n;
  let exponent = Number(exponentText) - fraction.length;
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  digits = trimmed;

  const shift = exponent + places;
  if (shift < 0) throw tooManyPlaces(places, field);
  if (digits.length + shift > MAX_DIGITS) throw tooLarge(field);
  const scaled = BigInt(digits) * 10n ** BigInt(shift);
  return sign === '-' ? -scaled : scaled;
}

/** Canonical decimal text of a scaled integer, without trailing zeros. */
export function formatScaled(value: bigint, places: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Converts to a JS number at the edges, refusing values a double cannot hold exactly. */
export function toSafeNumber(value: bigint, field: string): number {
  if (value > MAX_SAFE || value < -MAX_SAFE) throw tooLarge(field);
  return Number(value);
}
