import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScaled } from './decimal.ts';
import { partialRefundLines, stripeLines } from './stripe.ts';
import { lineTax, sumTax, type TaxRegime } from './tax.ts';

const regimes: TaxRegime[] = ['intra', 'inter', 'simple'];

function line(taxable: number, rate: number, regime: TaxRegime) {
  const tax = lineTax(BigInt(taxable), parseScaled(rate, 4, 'rate'), regime);
  return { name: 'Item', quantity: 1, taxable_amount: taxable, tax_rate: rate, cgst: Number(tax.cgst), sgst: Number(tax.sgst), igst: Number(tax.igst), tax: Number(tax.tax) };
}

describe('Stripe lines', () => {
  it('sum to the balance due exactly, for any lines, rates, regime and amount already settled', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ taxable: fc.integer({ min: 0, max: 10_000_000 }), rate: fc.constantFrom(0, 5, 12, 18, 28, 7.25) }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom(...regimes),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (specs, regime, settledShare) => {
          const items = specs.map((s) => line(s.taxable, s.rate, regime));
          const total = items.reduce((sum, l) => sum + l.taxable_amount + l.cgst + l.sgst + l.igst + l.tax, 0);
          const balance = total - Math.floor(total * settledShare);
          const lines = stripeLines({ line_items: items, total, balance_due: balance });
          expect(lines.reduce((sum, l) => sum + l.amount, 0)).toBe(balance);
        },
      ),
    );
  });

  it('carry the per-line rounded tax, not a whole-invoice rounding', () => {
    // Three lines of 5 at 10 %: 0.5 rounds up to 1 on each line (3), the invoice's 1.5 would round to 2.
    const items = [line(5, 10, 'simple'), line(5, 10, 'simple'), line(5, 10, 'simple')];
    expect(stripeLines({ line_items: items, total: 18, balance_due: 18 })).toEqual([
      { description: 'Item × 1', amount: 5 },
      { description: 'Item × 1', amount: 5 },
      { description: 'Item × 1', amount: 5 },
      { description: 'Tax 10%', amount: 3 },
    ]);
  });

  it('show CGST and SGST at half the rate, IGST at the full rate', () => {
    expect(stripeLines({ line_items: [line(1000, 18, 'intra')], total: 1180, balance_due: 1180 }).slice(1)).toEqual([
      { description: 'CGST 9%', amount: 90 },
      { description: 'SGST 9%', amount: 90 },
    ]);
    expect(stripeLines({ line_items: [line(1000, 18, 'inter')], total: 1180, balance_due: 180 }).slice(1)).toEqual([
      { description: 'IGST 18%', amount: 180 },
      { description: 'Paid or credited in Billow', amount: -1000 },
    ]);
  });
});

describe('partial refund lines', () => {
  it('make a credit note whose total is the refunded amount exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 100_000_000n }), fc.constantFrom(0, 5, 12, 18, 28), fc.constantFrom(...regimes), (gross, rate, regime) => {
        const lines = partialRefundLines(gross, rate, regime, 'Refund');
        const total = lines.reduce((sum, l) => sum + BigInt(l.amount) + sumTax(lineTax(BigInt(l.amount), parseScaled(l.tax_rate, 4, 'r'), regime)), 0n);
        expect(total).toBe(gross);
        expect(lines.length).toBeLessThanOrEqual(2);
      }),
    );
  });
});
