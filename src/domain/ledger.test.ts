import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACCOUNTS,
  assertBalanced,
  billApprovedLines,
  billPaymentLines,
  CHART_OF_ACCOUNTS,
  invoiceFinalizedLines,
  invoicePaymentLines,
  reversalLines,
} from './ledger.ts';
import type { PostingLine } from './ledger.ts';
import type { InvoiceTotals } from './pricing.ts';

function totals(parts: {
  subtotal: bigint;
  cgst?: bigint;
  sgst?: bigint;
  igst?: bigint;
  tax?: bigint;
}): InvoiceTotals {
  const { subtotal, cgst = 0n, sgst = 0n, igst = 0n, tax = 0n } = parts;
  const taxTotal = cgst + sgst + igst + tax;
  return {
    subtotal,
    discountTotal: 0n,
    cgst,
    sgst,
    igst,
    tax,
    taxTotal,
    total: subtotal + taxTotal,
  };
}

describe('chart of accounts', () => {
  it('has every account code once, with a name', () => {
    const codes = CHART_OF_ACCOUNTS.map((a) => a.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(codes)).toEqual(new Set(Object.values(ACCOUNTS)));
    expect(CHART_OF_ACCOUNTS.find((a) => a.code === ACCOUNTS.receivable)?.name).toBe(
      'Accounts Receivable',
    );
    expect(CHART_OF_ACCOUNTS.find((a) => a.code === ACCOUNTS.outputCgst)?.type).toBe('liability');
  });
});

describe('posting rules', () => {
  it('finalizing an intra-state invoice credits revenue and both halves of GST', () => {
    expect(
      invoiceFinalizedLines(totals({ subtotal: 99_999n, cgst: 9_000n, sgst: 9_000n })),
    ).toEqual([
      { account: '1100', debit: 117_999n, credit: 0n },
      { account: '4000', debit: 0n, credit: 99_999n },
      { account: '2200', debit: 0n, credit: 9_000n },
      { account: '2201', debit: 0n, credit: 9_000n },
    ]);
  });

  it('finalizing a non-GST invoice credits output tax', () => {
    expect(invoiceFinalizedLines(totals({ subtotal: 1_000n, tax: 80n }))).toEqual([
      { account: '1100', debit: 1_080n, credit: 0n },
      { account: '4000', debit: 0n, credit: 1_000n },
      { account: '2210', debit: 0n, credit: 80n },
    ]);
  });

  it('approving a bill debits expenses and input tax', () => {
    expect(billApprovedLines(totals({ subtotal: 5_000n, igst: 900n }))).toEqual([
      { account: '5000', debit: 5_000n, credit: 0n },
      { account: '1302', debit: 900n, credit: 0n },
      { account: '2000', debit: 0n, credit: 5_900n },
    ]);
  });

  it('payments move money between bank and the open account', () => {
    expect(invoicePaymentLines(500n)).toEqual([
      { account: '1000', debit: 500n, credit: 0n },
      { account: '1100', debit: 0n, credit: 500n },
    ]);
    expect(billPaymentLines(500n)).toEqual([
      { account: '2000', debit: 500n, credit: 0n },
      { account: '1000', debit: 0n, credit: 500n },
    ]);
  });

  it('omits zero lines; a zero document posts nothing', () => {
    expect(invoiceFinalizedLines(totals({ subtotal: 0n }))).toEqual([]);
    expect(invoiceFinalizedLines(totals({ subtotal: 100n }))).toHaveLength(2);
  });

  it('reverses by swapping sides', () => {
    expect(reversalLines(invoicePaymentLines(500n))).toEqual([
      { account: '1000', debit: 0n, credit: 500n },
      { account: '1100', debit: 500n, credit: 0n },
    ]);
  });

  it('refuses inconsistent totals', () => {
    const broken = { ...totals({ subtotal: 100n, tax: 10n }), total: 111n };
    expect(() => invoiceFinalizedLines(broken)).toThrow(/Unbalanced/);
  });
});

describe('assertBalanced', () => {
  const line = (account: string, debit: bigint, credit: bigint): PostingLine => ({
    account,
    debit,
    credit,
  });

  it('accepts balanced entries', () => {
    expect(() => assertBalanced([line('1', 5n, 0n), line('2', 0n, 5n)])).not.toThrow();
    expect(() => assertBalanced([])).not.toThrow();
  });

  it('refuses unbalanced, two-sided, empty and negative lines', () => {
    expect(() => assertBalanced([line('1', 5n, 0n), line('2', 0n, 4n)])).toThrow(Error);
    expect(() => assertBalanced([line('1', 5n, 5n)])).toThrow(/exactly one/);
    expect(() => assertBalanced([line('1', 0n, 0n)])).toThrow(/exactly one/);
    expect(() => assertBalanced([line('1', -5n, 0n), line('2', 0n, -5n)])).toThrow(/negative/);
  });
});

describe('every entry balances', () => {
  const amount = fc.bigInt({ min: 0n, max: 10n ** 15n });
  const totalsArb = fc.oneof(
    fc
      .record({ subtotal: amount, cgst: amount })
      .map(({ subtotal, cgst }) => totals({ subtotal, cgst, sgst: cgst })),
    fc.record({ subtotal: amount, igst: amount }).map(totals),
    fc.record({ subtotal: amount, tax: amount }).map(totals),
    fc
      .record({ subtotal: amount, cgst: amount, sgst: amount, igst: amount, tax: amount })
      .map(totals),
  );

  it('for invoices and bills, and their reversals', () => {
    fc.assert(
      fc.property(totalsArb, (t) => {
        for (const lines of [invoiceFinalizedLines(t), billApprovedLines(t)]) {
          assertBalanced(lines);
          assertBalanced(reversalLines(lines));
          expect(lines.every((l) => l.debit > 0n || l.credit > 0n)).toBe(true);
        }
      }),
    );
  });

  it('for payments', () => {
    fc.assert(
      fc.property(amount, (paid) => {
        for (const lines of [invoicePaymentLines(paid), billPaymentLines(paid)]) {
          assertBalanced(lines);
          assertBalanced(reversalLines(lines));
        }
      }),
    );
  });

  it('reversal of any balanced entry balances and undoes it', () => {
    const side = fc.bigInt({ min: 1n, max: 10n ** 12n });
    const entryArb = fc
      .array(fc.tuple(fc.constantFrom(...Object.values(ACCOUNTS)), side), {
        minLength: 1,
        maxLength: 8,
      })
      .map((debits): PostingLine[] => {
        const sum = debits.reduce((s, [, d]) => s + d, 0n);
        return [
          ...debits.map(([account, d]) => ({ account, debit: d, credit: 0n })),
          { account: ACCOUNTS.bank, debit: 0n, credit: sum },
        ];
      });
    fc.assert(
      fc.property(entryArb, (lines) => {
        assertBalanced(lines);
        const reversed = reversalLines(lines);
        assertBalanced(reversed);
        expect(reversalLines(reversed)).toEqual(lines);
      }),
    );
  });
});
