import { describe, expect, it } from 'vitest';
import { CURRENCIES, currencyExponent, isCurrency, parseCurrency } from './currency.ts';
import { DomainError } from './errors.ts';

describe('currency', () => {
  it('knows the exponents of the required currencies', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('INR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('BHD')).toBe(3);
    expect(currencyExponent('OMR')).toBe(3);
    for (const code of [
      'USD',
      'CAD',
      'AUD',
      'EUR',
      'GBP',
      'INR',
      'JPY',
      'CHF',
      'SGD',
      'NZD',
      'HKD',
      'SEK',
      'NOK',
      'DKK',
      'ZAR',
      'AED',
    ]) {
      expect(isCurrency(code)).toBe(true);
      expect(CURRENCIES[code]?.code).toBe(code);
    }
  });

  it('rejects unknown codes, lower case and prototype keys', () => {
    expect(isCurrency('XYZ')).toBe(false);
    expect(isCurrency('usd')).toBe(false);
    expect(isCurrency('constructor')).toBe(false);
    expect(isCurrency('')).toBe(false);
  });

  it('throws validation.invalid naming the field', () => {
    try {
      currencyExponent('XYZ', 'currency');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        code: 'validation.invalid',
        message: "Unknown currency 'XYZ'.",
        field: 'currency',
      });
    }
  });

  it('parseCurrency accepts lower case input', () => {
    expect(parseCurrency(' inr ', 'currency')).toBe('INR');
    expect(() => parseCurrency('rupee', 'currency')).toThrow(DomainError);
  });
});
