import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatScaled, parseScaled, toSafeNumber } from './decimal.ts';
import { DomainError } from './errors.ts';

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('parseScaled', () => {
  it('parses strings exactly', () => {
    expect(parseScaled('12.5', 4, 'q')).toBe(125_000n);
    expect(parseScaled('-3', 2, 'q')).toBe(-300n);
    expect(parseScaled('0.0001', 4, 'q')).toBe(1n);
    expect(parseScaled('1e2', 0, 'q')).toBe(100n);
    expect(parseScaled('1.5E-2', 3, 'q')).toBe(15n);
    expect(parseScaled('12.3400', 2, 'q')).toBe(1234n);
    expect(parseScaled(' 7 ', 2, 'q')).toBe(700n);
    expect(parseScaled('+7', 0, 'q')).toBe(7n);
    expect(parseScaled('.5', 1, 'q')).toBe(5n);
    expect(parseScaled('-0', 2, 'q')).toBe(0n);
    expect(parseScaled('0e999999999', 2, 'q')).toBe(0n);
  });

  it('parses JS numbers through their shortest text, never multiplying floats', () => {
    expect(parseScaled(0.1, 4, 'q')).toBe(1000n);
    expect(parseScaled(1.005, 3, 'q')).toBe(1005n); // 1.005 * 1000 is 1004.9999999999999
    expect(parseScaled(19.99, 2, 'q')).toBe(1999n);
    expect(parseScaled(1e21, 0, 'q')).toBe(10n ** 21n);
    expect(parseScaled(1.5e-7, 8, 'q')).toBe(15n); // String() gives '1.5e-7'
    expect(parseScaled(-0, 2, 'q')).toBe(0n);
  });

  it('refuses more decimal places than allowed', () => {
    const error = errorOf(() => parseScaled('1.23456', 4, 'line_items[0].quantity'));
    expect(error.code).toBe('validation.invalid');
    expect(error.field).toBe('line_items[0].quantity');
    expect(error.message).toContain('at most 4 decimal places');
    expect(errorOf(() => parseScaled(1.5e-7, 6, 'q')).message).toContain('at most 6');
    expect(errorOf(() => parseScaled('1.5', 0, 'q')).message).toContain('whole number');
  });

  it('refuses junk', () => {
    for (const junk of [
      '',
      ' ',
      '.',
      '-',
      'abc',
      '1,5',
      '1.2.3',
      '0x10',
      '1_000',
      'NaN',
      'Infinity',
      '1e',
      'e5',
      '--1',
      '1 2',
    ]) {
      expect(errorOf(() => parseScaled(junk, 2, 'q')).code).toBe('validation.invalid');
    }
    expect(errorOf(() => parseScaled(Number.NaN, 2, 'q')).code).toBe('validation.invalid');
    expect(errorOf(() => parseScaled(Number.POSITIVE_INFINITY, 2, 'q')).code).toBe(
      'validation.invalid',
    );
  });

  it('refuses absurdly large values instead of building huge integers', () => {
    expect(errorOf(() => parseScaled('1e999999999', 2, 'q')).code).toBe('validation.too_large');
    expect(errorOf(() => parseScaled(1e300, 2, 'q')).code).toBe('validation.too_large');
  });

  it('round-trips formatScaled', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.integer({ min: 0, max: 8 }),
        (value, places) => {
          expect(parseScaled(formatScaled(value, places), places, 'x')).toBe(value);
        },
      ),
    );
  });

  it('reads safe integers given as numbers exactly', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer({ min: 0, max: 6 }), (n, places) => {
        expect(parseScaled(n, places, 'x')).toBe(BigInt(n) * 10n ** BigInt(places));
      }),
    );
  });
});

describe('formatScaled', () => {
  it('writes canonical decimals', () => {
    expect(formatScaled(180_000n, 4)).toBe('18');
    expect(formatScaled(15_000n, 4)).toBe('1.5');
    expect(formatScaled(2_500n, 4)).toBe('0.25');
    expect(formatScaled(-15_000n, 4)).toBe('-1.5');
    expect(formatScaled(-5n, 2)).toBe('-0.05');
    expect(formatScaled(0n, 4)).toBe('0');
    expect(formatScaled(1234n, 0)).toBe('1234');
  });
});

describe('toSafeNumber', () => {
  it('converts inside the safe range and refuses outside it', () => {
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    expect(toSafeNumber(max, 'x')).toBe(Number.MAX_SAFE_INTEGER);
    expect(toSafeNumber(-max, 'x')).toBe(-Number.MAX_SAFE_INTEGER);
    expect(errorOf(() => toSafeNumber(max + 1n, 'total'))).toMatchObject({
      code: 'validation.too_large',
      field: 'total',
    });
    expect(errorOf(() => toSafeNumber(-max - 1n, 'total')).code).toBe('validation.too_large');
  });
});
