import { formatScaled, parseScaled } from './decimal.ts';
import { lineTax, sumTax, type TaxRegime } from './tax.ts';

/**
 * How a Billow invoice appears in Stripe (docs/stripe.md, "Amounts"). Stripe gets fixed
 * amounts, never a rate to apply: one line per invoice line at its taxable value, one line
 * per tax component and rate carrying the sum of the per-line rounded taxes, and, when
 * something was already paid or credited in Billow, one negative line for it. So Stripe's
 * amount_due is Billow's balance_due to the minor unit, whatever Stripe's own rounding.
 */
export interface InvoiceLineAmounts {
  name: string;
  quantity: number;
  taxable_amount: number;
  tax_rate: number;
  cgst: number;
  sgst: number;
  igst: number;
  tax: number;
}

export interface StripeLine {
  description: string;
  amount: number;
}

const percent = (rate: number) => `${Number(rate.toFixed(4))}%`;

function taxLines(lines: InvoiceLineAmounts[]): StripeLine[] {
  const sums = new Map<string, number>();
  const add = (label: string, amount: number) => {
    if (amount !== 0) sums.set(label, (sums.get(label) ?? 0) + amount);
  };
  for (const line of lines) {
    add(`CGST ${percent(line.tax_rate / 2)}`, line.cgst);
    add(`SGST ${percent(line.tax_rate / 2)}`, line.sgst);
    add(`IGST ${percent(line.tax_rate)}`, line.igst);
    add(`Tax ${percent(line.tax_rate)}`, line.tax);
  }
  return [...sums].map(([description, amount]) => ({ description, amount }));
}

export function stripeLines(invoice: { line_items: InvoiceLineAmounts[]; total: number; balance_due: number }): StripeLine[] {
  const goods = invoice.line_items.filter((l) => l.taxable_amount !== 0).map((l) => ({ description: `${l.name} × ${l.quantity}`, amount: l.taxable_amount }));
  const settled = invoice.balance_due - invoice.total;
  const adjustment = settled === 0 ? [] : [{ description: 'Paid or credited in Billow', amount: settled }];
  return [...goods, ...taxLines(invoice.line_items), ...adjustment];
}

/** One free line of a credit note, as the notes module takes it. */
export interface RefundLine {
  description: string;
  amount: number;
  tax_rate: string;
}

/**
 * The lines of a credit note whose total (taxable + tax at `rate`, rounded as the invoice
 * rounds) is exactly `gross`: the largest taxable value that does not exceed it, then the
 * one or two minor units rounding left over as a second line whose own tax rounds to zero.
 */
export function partialRefundLines(gross: bigint, rate: number, regime: TaxRegime, description: string): RefundLine[] {
  const rateE4 = parseScaled(rate, 4, 'tax_rate');
  const grossOf = (taxable: bigint) => taxable + sumTax(lineTax(taxable, rateE4, regime));
  let taxable = (gross * 10_000n) / (10_000n + rateE4) + 2n;
  while (taxable > 0n && grossOf(taxable) > gross) taxable -= 1n;
  const rest = gross - grossOf(taxable);
  const taxRate = formatScaled(rateE4, 4);
  const lines = taxable > 0n ? [{ description, amount: Number(taxable), tax_rate: taxRate }] : [];
  // Below half a unit of tax per unit of value (any rate under 50 %), `rest` carries no tax of its own.
  if (rest > 0n) lines.push({ description: `${description} (rounding)`, amount: Number(rest), tax_rate: grossOf(rest) === rest ? taxRate : '0' });
  return lines;
}
