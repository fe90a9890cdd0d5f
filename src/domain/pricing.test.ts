import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { priceInvoice, priceLine } from './pricing.ts';
import type { LineInput } from './pricing.ts';
import type { TaxRegime } from './tax.ts';

const fails = (code: string, field: string) => expect.objectContaining({ code, field });

const line = (overrides: Partial<LineInput>): LineInput => ({
  quantityE4: 10_000n,
  unitPrice: 0n,
  taxRateE4: 0n,
  ...overrides,
});

describe('priceLine', () => {
  it('prices 3 × ₹333.33 at 18% within the state', () => {
    const priced = priceLine(
      line({ quantityE4: 30_000n, unitPrice: 33_333n, taxRateE4: 180_000n }),
      'intra',
      'line_items[0]',
    );
    expect(priced).toEqual({
      amount: 99_999n,
      discount: 0n,
      taxable: 99_999n,
      cgst: 9_000n, // 89.9991 → 90.00
      sgst: 9_000n,
      igst: 0n,
      tax: 0n,
      taxTotal: 18_000n,
      total: 117_999n,
    });
  });

  it('rounds the line amount half-up: 1.5 × 3.33 = 4.995 → 5.00', () => {
    expect(priceLine(line({ quantityE4: 15_000n, unitPrice: 333n }), 'simple', 'l').amount).toBe(
      500n,
    );
    expect(priceLine(line({ quantityE4: 3_333n, unitPrice: 100n }), 'simple', 'l').amount).toBe(
      33n,
    );
  });

  it('applies a percent discount before tax', () => {
    const priced = priceLine(
      line({ unitPrice: 333n, discountPercentE4: 125_000n, taxRateE4: 100_000n }),
      'simple',
      'l',
    );
    expect(priced).toMatchObject({
      amount: 333n,
      discount: 42n,
      taxable: 291n,
      tax: 29n,
      total: 320n,
    });
  });

  it('applies an amount discount', () => {
    const priced = priceLine(
      line({ unitPrice: 1_000n, discountAmount: 250n, taxRateE4: 180_000n }),
      'inter',
      'l',
    );
    expect(priced).toMatchObject({ discount: 250n, taxable: 750n, igst: 135n, total: 885n });
    const free = priceLine(
      line({ unitPrice: 1_000n, discountAmount: 1_000n, taxRateE4: 180_000n }),
      'inter',
      'l',
    );
    expect(free).toMatchObject({ taxable: 0n, taxTotal: 0n, total: 0n });
  });

  it('prices yen with no minor unit', () => {
    const priced = priceLine(
      line({ quantityE4: 30_000n, unitPrice: 333n, taxRateE4: 100_000n }),
      'simple',
      'l',
    );
    expect(priced).toMatchObject({ amount: 999n, tax: 100n, total: 1_099n }); // 99.9 → 100
  });

  it('applies a 0.25% rate', () => {
    const priced = priceLine(line({ unitPrice: 10_000n, taxRateE4: 2_500n }), 'intra', 'l');
    expect(priced).toMatchObject({ cgst: 13n, sgst: 13n, taxTotal: 26n, total: 10_026n });
  });

  it('names the sub-field at fault', () => {
    const at = 'line_items[2]';
    const price = (input: Partial<LineInput>) => () =>
      priceLine(line({ unitPrice: 100n, ...input }), 'simple', at);
    expect(price({ quantityE4: 0n })).toThrow(fails('validation.invalid', `${at}.quantity`));
    expect(price({ quantityE4: -1n })).toThrow(fails('validation.invalid', `${at}.quantity`));
    expect(price({ unitPrice: -1n })).toThrow(fails('validation.invalid', `${at}.unit_price`));
    expect(price({ taxRateE4: -1n })).toThrow(fails('validation.invalid', `${at}.tax_rate`));
    expect(price({ taxRateE4: 1_000_001n })).toThrow(fails('validation.invalid', `${at}.tax_rate`));
    expect(price({ discountPercentE4: 1_000_001n })).toThrow(
      fails('validation.invalid', `${at}.discount_percent`),
    );
    expect(price({ discountPercentE4: -1n })).toThrow(
      fails('validation.invalid', `${at}.discount_percent`),
    );
    expect(price({ discountAmount: -1n })).toThrow(
      fails('validation.invalid', `${at}.discount_amount`),
    );
    expect(price({ discountAmount: 101n })).toThrow(
      fails('validation.invalid', `${at}.discount_amount`),
    );
    expect(price({ discountAmount: 1n, discountPercentE4: 1n })).toThrow(
      fails('validation.invalid', `${at}.discount_amount`),
    );
  });

  it('accepts the boundaries', () => {
    expect(priceLine(line({ unitPrice: 100n, taxRateE4: 1_000_000n }), 'simple', 'l').tax).toBe(
      100n,
    );
    expect(
      priceLine(line({ unitPrice: 100n, discountPercentE4: 1_000_000n }), 'simple', 'l').taxable,
    ).toBe(0n);
    expect(
      priceLine(
        line({ unitPrice: 100n, discountPercentE4: null, discountAmount: null }),
        'simple',
        'l',
      ).discount,
    ).toBe(0n);
  });

  it('refuses amounts beyond the safe integer range', () => {
    const huge = line({ quantityE4: 10n ** 12n, unitPrice: 10n ** 12n });
    expect(() => priceLine(huge, 'simple', 'line_items[0]')).toThrow(
      fails('validation.too_large', 'line_items[0]'),
    );
    const taxedOver = line({ unitPrice: BigInt(Number.MAX_SAFE_INTEGER), taxRateE4: 10_000n });
    expect(() => priceLine(taxedOver, 'simple', 'line_items[0]')).toThrow(
      fails('validation.too_large', 'line_items[0]'),
    );
  });
});

describe('priceInvoice', () => {
  it('sums the lines', () => {
    const { lines, totals } = priceInvoice(
      [
        line({ quantityE4: 30_000n, unitPrice: 33_333n, taxRateE4: 180_000n }),
        line({
          quantityE4: 10_000n,
          unitPrice: 10_000n,
          taxRateE4: 2_500n,
          discountAmount: 1_000n,
        }),
      ],
      'intra',
    );
    expect(lines).toHaveLength(2);
    expect(totals).toEqual({
      subtotal: 99_999n + 9_000n,
      discountTotal: 1_000n,
      cgst: 9_000n + 11n, // 9_000 × 0.125% = 11.25 → 11
      sgst: 9_000n + 11n,
      igst: 0n,
      tax: 0n,
      taxTotal: 18_022n,
      total: 108_999n + 18_022n,
    });
  });

  it('names lines by index', () => {
    expect(() =>
      priceInvoice([line({ unitPrice: 1n }), line({ quantityE4: 0n })], 'simple'),
    ).toThrow(fails('validation.invalid', 'line_items[1].quantity'));
  });

  it('refuses an invoice total beyond the safe integer range', () => {
    const big = line({ unitPrice: BigInt(Number.MAX_SAFE_INTEGER) - 1n });
    expect(() => priceInvoice([big, big], 'simple')).toThrow(
      fails('validation.too_large', 'line_items'),
    );
  });

  it('is zero for no lines', () => {
    expect(priceInvoice([], 'inter').totals.total).toBe(0n);
  });

  const lineArb: fc.Arbitrary<LineInput> = fc
    .record({
      quantityE4: fc.bigInt({ min: 1n, max: 10n ** 8n }),
      unitPrice: fc.bigInt({ min: 0n, max: 10n ** 9n }),
      taxRateE4: fc.oneof(
        fc.constantFrom(0n, 2_500n, 30_000n, 50_000n, 120_000n, 180_000n, 280_000n),
        fc.bigInt({ min: 0n, max: 1_000_000n }),
      ),
      discount: fc.oneof(
        fc.constant(null),
        fc.record({ percent: fc.bigInt({ min: 0n, max: 1_000_000n }) }),
        fc.record({ share: fc.bigInt({ min: 0n, max: 1_000n }) }),
      ),
    })
    .map(({ discount, ...rest }) => {
      if (discount === null) return rest;
      if ('percent' in discount) return { ...rest, discountPercentE4: discount.percent };
      // An amount discount must not exceed the line amount, so take a share of it.
      const amount = (rest.quantityE4 * rest.unitPrice) / 10_000n;
      return { ...rest, discountAmount: (amount * discount.share) / 1_000n };
    });
  const regimeArb = fc.constantFrom<TaxRegime>('intra', 'inter', 'simple');

  it('totals equal the sums of the line fields', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 20 }), regimeArb, (inputs, regime) => {
        const { lines, totals } = priceInvoice(inputs, regime);
        const sum = (pick: (l: (typeof lines)[number]) => bigint) =>
          lines.reduce((s, l) => s + pick(l), 0n);
        expect(totals.subtotal).toBe(sum((l) => l.taxable));
        expect(totals.discountTotal).toBe(sum((l) => l.discount));
        expect(totals.cgst).toBe(sum((l) => l.cgst));
        expect(totals.sgst).toBe(sum((l) => l.sgst));
        expect(totals.igst).toBe(sum((l) => l.igst));
        expect(totals.tax).toBe(sum((l) => l.tax));
        expect(totals.taxTotal).toBe(sum((l) => l.taxTotal));
        expect(totals.total).toBe(sum((l) => l.total));
        expect(totals.total).toBe(totals.subtotal + totals.taxTotal);
        expect(totals.taxTotal).toBe(totals.cgst + totals.sgst + totals.igst + totals.tax);
        for (const l of lines) {
          expect(l.taxable).toBe(l.amount - l.discount);
          expect(l.taxable >= 0n && l.discount >= 0n).toBe(true);
          expect(l.total).toBe(l.taxable + l.taxTotal);
        }
      }),
    );
  });

  it('uses only the components of its regime', () => {
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 5 }),
        regimeArb,
        (inputs, regime) => {
          const { totals } = priceInvoice(inputs, regime);
          if (regime !== 'intra') expect(totals.cgst + totals.sgst).toBe(0n);
          if (regime !== 'inter') expect(totals.igst).toBe(0n);
          if (regime !== 'simple') expect(totals.tax).toBe(0n);
        },
      ),
    );
  });
});
