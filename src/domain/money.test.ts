import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENCIES } from './currency.ts';
import { describeMoney, majorToMinor, minorToMajor, minorToMajorNumber, mulDivHalfUp } from './money.ts';

const fails = (code: string, field?: string) =>
  expect.objectContaining(field === undefined ? { code } : { code, field });

/** Independent reference: floor division, then compare twice the remainder with the divisor. */
function referenceRound(a: bigint, b: bigint, divisor: bigint): bigint {
  const product = a * b;
  let floor = product / divisor;
  if (product % divisor !== 0n && product < 0n) floor -= 1n;
  const twiceRemainder = 2n * (product - floor * divisor);
  if (twiceRemainder > divisor) return floor + 1n;
  if (twiceRemainder < divisor) return floor;
  return product > 0n ? floor + 1n : floor; // a tie goes away from zero
}

describe('mulDivHalfUp', () => {
  it('rounds halves away from zero', () => {
    expect(mulDivHalfUp(5n, 1n, 10n)).toBe(1n);
    expect(mulDivHalfUp(15n, 1n, 10n)).toBe(2n);
    expect(mulDivHalfUp(25n, 1n, 10n)).toBe(3n);
    expect(mulDivHalfUp(14n, 1n, 10n)).toBe(1n);
    expect(mulDivHalfUp(16n, 1n, 10n)).toBe(2n);
    expect(mulDivHalfUp(-5n, 1n, 10n)).toBe(-1n);
    expect(mulDivHalfUp(-14n, 1n, 10n)).toBe(-1n);
    expect(mulDivHalfUp(-16n, 1n, 10n)).toBe(-2n);
    expect(mulDivHalfUp(0n, 7n, 3n)).toBe(0n);
  });

  it('computes quantity × price exactly: 1.5 × 333 = 499.5 → 500', () => {
    expect(mulDivHalfUp(15_000n, 333n, 10_000n)).toBe(500n);
  });

  it('refuses a non-positive divisor', () => {
    expect(() => mulDivHalfUp(1n, 1n, 0n)).toThrow(RangeError);
    expect(() => mulDivHalfUp(1n, 1n, -2n)).toThrow(RangeError);
  });

  it('matches an exact reference', () => {
    const big = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n });
    fc.assert(
      fc.property(big, big, fc.bigInt({ min: 1n, max: 10n ** 12n }), (a, b, d) => {
        expect(mulDivHalfUp(a, b, d)).toBe(referenceRound(a, b, d));
      }),
      { numRuns: 500 },
    );
  });

  it('matches the reference on small numbers, where ties are common', () => {
    const small = fc.bigInt({ min: -50n, max: 50n });
    fc.assert(
      fc.property(small, small, fc.bigInt({ min: 1n, max: 8n }), (a, b, d) => {
        expect(mulDivHalfUp(a, b, d)).toBe(referenceRound(a, b, d));
      }),
      { numRuns: 500 },
    );
  });
});

describe('majorToMinor', () => {
  it('converts decimal major units', () => {
    expect(majorToMinor('12.34', 'USD', 'amount')).toBe(1234n);
    expect(majorToMinor(12.34, 'USD', 'amount')).toBe(1234n);
    expect(majorToMinor('12.3', 'USD', 'amount')).toBe(1230n);
    expect(majorToMinor(500, 'JPY', 'amount')).toBe(500n);
    expect(majorToMinor('1.234', 'KWD', 'amount')).toBe(1234n);
    expect(majorToMinor(0.07, 'INR', 'amount')).toBe(7n); // 0.07 * 100 is 7.000000000000001
  });

  it('refuses more decimals than the currency has', () => {
    expect(() => majorToMinor('12.345', 'USD', 'unit_price')).toThrow(
      fails('validation.invalid', 'unit_price'),
    );
    expect(() => majorToMinor('500.5', 'JPY', 'unit_price')).toThrow(
      fails('validation.invalid', 'unit_price'),
    );
  });

  it('refuses an unknown currency', () => {
    expect(() => majorToMinor('1', 'XYZ', 'amount')).toThrow(
      fails('validation.invalid', 'currency'),
    );
  });
});

describe('minorToMajor', () => {
  it('writes exact decimal major units', () => {
    expect(minorToMajor(1234, 'USD')).toBe('12.34');
    expect(minorToMajor(1230n, 'USD')).toBe('12.3');
    expect(minorToMajor(500, 'JPY')).toBe('500');
    expect(minorToMajor(-5n, 'EUR')).toBe('-0.05');
    expect(minorToMajor(1234n, 'BHD')).toBe('1.234');
    expect(minorToMajorNumber(1234, 'USD')).toBe(12.34);
    expect(minorToMajorNumber(500n, 'JPY')).toBe(500);
  });

  it('refuses non-integer numbers', () => {
    expect(() => minorToMajor(12.5, 'USD')).toThrow(RangeError);
  });

  it('refuses a number that a double cannot carry exactly', () => {
    expect(() => minorToMajorNumber(9_007_199_254_740_991n, 'USD')).toThrow(
      fails('validation.too_large'),
    );
    expect(minorToMajorNumber(9_007_199_254_740_991n, 'JPY')).toBe(9_007_199_254_740_991);
  });

  const currency = fc.constantFrom(...Object.keys(CURRENCIES));

  it('round-trips through major units for every currency', () => {
    fc.assert(
      fc.property(currency, fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), (code, amount) => {
        expect(majorToMinor(minorToMajor(amount, code), code, 'x')).toBe(amount);
      }),
    );
  });

  it('round-trips through JSON numbers below 10^15 minor units', () => {
    const amount = fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n });
    fc.assert(
      fc.property(currency, amount, (code, value) => {
        const wire = JSON.parse(JSON.stringify(minorToMajorNumber(value, code))) as number;
        expect(majorToMinor(wire, code, 'x')).toBe(value);
      }),
    );
  });
});

describe('describeMoney', () => {
  it('shows minor units and exact major units in the currency’s own grouping', () => {
    expect(describeMoney(236_000, 'INR')).toBe('236000 (₹2,360.00)');
    expect(describeMoney(10_000_000_00n, 'INR')).toBe('1000000000 (₹1,00,00,000.00)');
    expect(describeMoney(1999, 'USD')).toBe('1999 ($19.99)');
    expect(describeMoney(500, 'JPY')).toBe('500 (¥500)');
    expect(describeMoney(9_007_199_254_740_993n, 'USD')).toBe('9007199254740993 ($90,071,992,547,409.93)');
  });
});
