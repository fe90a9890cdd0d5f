import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalState,
  INDIAN_STATES,
  isGstBusiness,
  isPlaceOfSupply,
  lineTax,
  MAX_TAX_RATE_E4,
  taxRegime,
} from './tax.ts';

const maharashtra = { country: 'IN', state: 'IN-MH' };

describe('taxRegime', () => {
  it('splits within the business state and uses IGST across states', () => {
    expect(taxRegime(maharashtra, 'IN-MH')).toBe('intra');
    expect(taxRegime(maharashtra, 'IN-KA')).toBe('inter');
    expect(taxRegime(maharashtra, null)).toBe('inter');
  });

  it('uses a single tax outside India', () => {
    const business = { country: 'US', state: null };
    expect(isGstBusiness(business)).toBe(false);
    expect(taxRegime(business, null)).toBe('simple');
    expect(taxRegime({ country: 'AU', state: 'NSW' }, 'NSW')).toBe('simple');
  });

  it('treats renamed codes of the same state as the same state', () => {
    expect(taxRegime({ country: 'IN', state: 'IN-TG' }, 'IN-TS')).toBe('intra');
    expect(taxRegime({ country: 'IN', state: 'IN-DH' }, 'IN-DD')).toBe('intra');
    expect(canonicalState('IN-MH')).toBe('IN-MH');
  });
});

describe('places of supply', () => {
  it('knows every state and union territory', () => {
    for (const code of [
      'IN-MH',
      'IN-KA',
      'IN-DL',
      'IN-TG',
      'IN-DH',
      'IN-LA',
      'IN-JK',
      'IN-PY',
      'IN-AN',
      'IN-LD',
      'IN-CH',
      'IN-GA',
      'IN-WB',
      'IN-UP',
    ]) {
      expect(isPlaceOfSupply(code)).toBe(true);
    }
    const canonical = new Set([...INDIAN_STATES].map(canonicalState));
    expect(canonical.size).toBe(36); // 28 states and 8 union territories
  });

  it('refuses other codes', () => {
    for (const code of ['MH', 'in-mh', 'IN-XX', 'US-CA', '', 'IN-']) {
      expect(isPlaceOfSupply(code)).toBe(false);
    }
  });
});

describe('lineTax', () => {
  it('halves the rate for CGST and SGST, rounding each half-up', () => {
    // ₹999.99 at 18%: 89.9991 each → ₹90.00 each
    expect(lineTax(99_999n, 180_000n, 'intra')).toEqual({
      cgst: 9_000n,
      sgst: 9_000n,
      igst: 0n,
      tax: 0n,
    });
    // ₹100 at 0.25%: 12.5 paise each → 13 each, one paisa above the IGST of 25
    expect(lineTax(10_000n, 2_500n, 'intra')).toEqual({ cgst: 13n, sgst: 13n, igst: 0n, tax: 0n });
    expect(lineTax(10_000n, 2_500n, 'inter')).toEqual({ cgst: 0n, sgst: 0n, igst: 25n, tax: 0n });
  });

  it('applies the full rate as IGST or as a single tax', () => {
    expect(lineTax(99_999n, 180_000n, 'inter').igst).toBe(18_000n); // 179.9982 → 180.00
    expect(lineTax(1_000n, 125_000n, 'simple')).toEqual({
      cgst: 0n,
      sgst: 0n,
      igst: 0n,
      tax: 125n,
    });
    expect(lineTax(4n, 125_000n, 'simple').tax).toBe(1n); // 0.5 → 1
    expect(lineTax(12_345n, 0n, 'intra')).toEqual({ cgst: 0n, sgst: 0n, igst: 0n, tax: 0n });
  });

  it('keeps CGST + SGST within one minor unit of the IGST on the same amount', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.bigInt({ min: 0n, max: MAX_TAX_RATE_E4 }),
        (taxable, rate) => {
          const intra = lineTax(taxable, rate, 'intra');
          const inter = lineTax(taxable, rate, 'inter');
          expect(intra.cgst).toBe(intra.sgst);
          const difference = intra.cgst + intra.sgst - inter.igst;
          expect(difference >= -1n && difference <= 1n).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
