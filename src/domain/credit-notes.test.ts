import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertWithinCaps,
  balanceDue,
  creditNoteDeadline,
  assertNoteDate,
  type InvoiceLineTerms,
  type LineCredits,
  priceNoteLines,
  settleCredit,
  statusAfterNote,
} from './credit-notes.ts';
import { DomainError } from './errors.ts';
import { assertBalanced, creditNoteLines, outOfBandSettlementLines } from './ledger.ts';
import { priceLine } from './pricing.ts';
import type { TaxRegime } from './tax.ts';

const line = (over: Partial<InvoiceLineTerms> = {}): InvoiceLineTerms => {
  const base = { id: 'l1', name: 'Widget', hsnCode: '8471', quantityE4: 30_000n, unitPrice: 33_333n, discountPercentE4: null, discountAmount: null, taxRateE4: 180_000n, ...over };
  const priced = priceLine(base, 'intra', 'x');
  return { ...base, taxable: priced.taxable };
};

const fieldOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.field;
    throw error;
  }
  return 'no error';
};

describe('priceNoteLines', () => {
  it('credits part of a line at its price, discount and rate', () => {
    const l = line({ discountPercentE4: 100_000n });
    const { lines, totals } = priceNoteLines([{ kind: 'quantity', lineId: 'l1', quantityE4: 10_000n }], { kind: 'credit_note', lines: new Map([['l1', l]]), regime: 'intra', currency: 'INR', credited: new Map() });
    expect(lines[0]).toMatchObject({ invoiceLineId: 'l1', taxable: 30_000n, cgst: 2_700n, sgst: 2_700n, total: 35_400n });
    expect(totals).toMatchObject({ subtotal: 30_000n, taxTotal: 5_400n, total: 35_400n });
  });

  it('prorates an amount discount', () => {
    const l = line({ discountAmount: 999n, quantityE4: 30_000n, unitPrice: 1_000n });
    const { totals } = priceNoteLines([{ kind: 'quantity', lineId: 'l1', quantityE4: 10_000n }], { kind: 'credit_note', lines: new Map([['l1', l]]), regime: 'inter', currency: 'INR', credited: new Map() });
    expect(totals.subtotal).toBe(1_000n - 333n);
  });

  it('names the field of a line that is not the invoice’s or exceeds it', () => {
    const ctx = () => ({ kind: 'credit_note' as const, lines: new Map([['l1', line()]]), regime: 'intra' as const, currency: 'INR', credited: new Map() });
    expect(fieldOf(() => priceNoteLines([{ kind: 'amount', lineId: 'zz', amount: 1n }], ctx()))).toBe('lines[0].line_id');
    expect(fieldOf(() => priceNoteLines([{ kind: 'quantity', lineId: 'l1', quantityE4: 30_001n }], ctx()))).toBe('lines[0].quantity');
    expect(fieldOf(() => priceNoteLines([{ kind: 'amount', lineId: 'l1', amount: 99_999n }, { kind: 'amount', lineId: 'l1', amount: 1n }], ctx()))).toBe('lines[1].amount');
    expect(fieldOf(() => priceNoteLines([], ctx()))).toBe('lines');
  });

  it('property: crediting a line in any parts never exceeds its tax, and the whole reverses it exactly', () => {
    const regime = fc.constantFrom<TaxRegime>('intra', 'inter', 'simple');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.constantFrom(0n, 50_000n, 120_000n, 180_000n, 280_000n, 500_000n),
        regime,
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 8 }),
        (quantity, price, rate, r, weights) => {
          const l = line({ quantityE4: BigInt(quantity) * 10_000n, unitPrice: BigInt(price), taxRateE4: rate });
          const whole = priceLine({ ...l }, r, 'x');
          const credited: LineCredits = new Map();
          const ctx = { kind: 'credit_note' as const, lines: new Map([['l1', { ...l, taxable: whole.taxable }]]), regime: r, currency: 'INR', credited };
          // Split the taxable value into parts by weight; the last part takes the rest.
          const total = weights.reduce((a, b) => a + b, 0);
          let left = whole.taxable;
          const sums = { cgst: 0n, sgst: 0n, igst: 0n, tax: 0n };
          weights.forEach((w, i) => {
            const part = i === weights.length - 1 ? left : (whole.taxable * BigInt(w)) / BigInt(total);
            left -= part;
            if (part === 0n) return;
            const { totals } = priceNoteLines([{ kind: 'amount', lineId: 'l1', amount: part }], ctx);
            for (const k of ['cgst', 'sgst', 'igst', 'tax'] as const) {
              sums[k] += totals[k];
              expect(sums[k]).toBeLessThanOrEqual(whole[k]);
            }
          });
          expect(sums).toEqual({ cgst: whole.cgst, sgst: whole.sgst, igst: whole.igst, tax: whole.tax });
        },
      ),
    );
  });
});

describe('caps, settlement, dates, status', () => {
  const limit = { subtotal: 100n, cgst: 9n, sgst: 9n, igst: 0n, tax: 0n };
  const zero = { subtotal: 0n, cgst: 0n, sgst: 0n, igst: 0n, tax: 0n };
  it('names the first component over the cap', () => {
    expect(fieldOf(() => assertWithinCaps(limit, zero, { ...zero, subtotal: 101n }, 'INR'))).toBe('subtotal');
    expect(fieldOf(() => assertWithinCaps(limit, { ...zero, sgst: 5n }, { ...zero, subtotal: 1n, sgst: 5n }, 'INR'))).toBe('sgst');
    expect(fieldOf(() => assertWithinCaps(limit, zero, limit, 'INR'))).toBe('no error');
  });

  it('splits a credit into the unpaid part and a settlement that must add up', () => {
    expect(settleCredit(100n, 150n, { refund: 0n, credit: 0n, outOfBand: 0n, currency: 'INR' })).toMatchObject({ prePayment: 100n });
    expect(settleCredit(100n, 30n, { refund: 50n, credit: 20n, outOfBand: 0n, currency: 'INR' })).toMatchObject({ prePayment: 30n, refund: 50n, credit: 20n });
    expect(fieldOf(() => settleCredit(100n, 30n, { refund: 0n, credit: 69n, outOfBand: 0n, currency: 'INR' }))).toBe('credit_amount');
    expect(fieldOf(() => settleCredit(100n, 0n, { refund: 0n, credit: 0n, outOfBand: 0n, currency: 'INR' }))).toBe('refund_amount');
  });

  it('property: every credit note entry balances and parts add up to its total', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.nat({ max: 100 }), fc.nat({ max: 100 }), (total, due, a, b) => {
        const post = due >= total ? 0n : total - due;
        const refund = (post * BigInt(a)) / 100n;
        const credit = ((post - refund) * BigInt(b)) / 100n;
        const s = settleCredit(total, due, { refund, credit, outOfBand: post - refund - credit, currency: 'INR' });
        expect(s.prePayment + s.refund + s.credit + s.outOfBand).toBe(total);
        const subtotal = (total * 5n) / 6n;
        const lines = creditNoteLines({ subtotal, discountTotal: 0n, cgst: total - subtotal, sgst: 0n, igst: 0n, tax: 0n, taxTotal: total - subtotal, total }, s);
        assertBalanced(lines);
        if (s.outOfBand > 0n) assertBalanced(outOfBandSettlementLines(s.outOfBand));
      }),
    );
  });

  it('puts the GST deadline on 30 November after the April–March year of the invoice', () => {
    expect(creditNoteDeadline('2025-03-31')).toBe('2025-11-30');
    expect(creditNoteDeadline('2025-04-01')).toBe('2026-11-30');
    expect(fieldOf(() => assertNoteDate('credit_note', true, '2025-04-01', '2026-12-01'))).toBe('date');
    expect(fieldOf(() => assertNoteDate('credit_note', false, '2025-04-01', '2026-12-01'))).toBe('no error');
    expect(fieldOf(() => assertNoteDate('debit_note', true, '2025-04-01', '2030-01-01'))).toBe('no error');
    expect(fieldOf(() => assertNoteDate('debit_note', true, '2025-04-01', '2025-03-01'))).toBe('date');
  });

  it('settles an invoice credited to zero without a new status and reopens it when a balance returns', () => {
    expect(statusAfterNote('open', 0n, 0n)).toBe('manual_paid');
    expect(statusAfterNote('stripe_paid', 0n, 10n)).toBe('stripe_paid');
    expect(statusAfterNote('manual_paid', 5n, 10n)).toBe('partially_paid');
    expect(statusAfterNote('manual_paid', 5n, 0n)).toBe('open');
    expect(balanceDue({ total: 100n, totalPaid: 30n, creditPrePayment: 20n, amountDebited: 5n })).toBe(55n);
  });
});
