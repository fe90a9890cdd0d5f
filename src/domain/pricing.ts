import { DomainError, invalid } from './errors.ts';
import { mulDivHalfUp } from './money.ts';
import { lineTax, MAX_TAX_RATE_E4, sumTax } from './tax.ts';
import type { TaxComponents, TaxRegime } from './tax.ts';

export interface LineInput {
  /** Quantity scaled by 10^4. */
  quantityE4: bigint;
  /** Minor units. */
  unitPrice: bigint;
  /** Percent scaled by 10^4, like tax rates. */
  discountPercentE4?: bigint | null;
  /** Minor units. */
  discountAmount?: bigint | null;
  taxRateE4: bigint;
}

export interface PricedLine extends TaxComponents {
  amount: bigint;
  discount: bigint;
  taxable: bigint;
  taxTotal: bigint;
  total: bigint;
}

export interface InvoiceTotals extends TaxComponents {
  /** Σ taxable, i.e. net of discounts. */
  subtotal: bigint;
  discountTotal: bigint;
  taxTotal: bigint;
  total: bigint;
}

export const QUANTITY_SCALE = 10_000n;
const PERCENT_DIVISOR = 1_000_000n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function assertLineInput(line: LineInput, field: string): void {
  if (line.quantityE4 <= 0n) throw invalid('Quantity must be greater than 0.', `${field}.quantity`);
  if (line.unitPrice < 0n) throw invalid('Unit price must not be negative.', `${field}.unit_price`);
  if (line.taxRateE4 < 0n || line.taxRateE4 > MAX_TAX_RATE_E4) {
    throw invalid('Tax rate must be between 0 and 100 percent.', `${field}.tax_rate`);
  }
  const percent = line.discountPercentE4 ?? null;
  const amount = line.discountAmount ?? null;
  if (percent !== null && amount !== null) {
    throw invalid(
      'Give either discount_percent or discount_amount, not both.',
      `${field}.discount_amount`,
    );
  }
  if (percent !== null && (percent < 0n || percent > MAX_TAX_RATE_E4)) {
    throw invalid('Discount percent must be between 0 and 100.', `${field}.discount_percent`);
  }
  if (amount !== null && amount < 0n) {
    throw invalid('Discount amount must not be negative.', `${field}.discount_amount`);
  }
}

// Amounts leave the domain as JS numbers; refusing them here names the line at fault.
function assertSafe(value: bigint, field: string): void {
  if (value > MAX_SAFE) {
    throw new DomainError('validation.too_large', 'Amount is too large.', field);
  }
}

function lineDiscount(line: LineInput, amount: bigint, field: string): bigint {
  if (line.discountAmount != null) {
    if (line.discountAmount > amount) {
      throw invalid('Discount amount must not exceed the line amount.', `${field}.discount_amount`);
    }
    return line.discountAmount;
  }
  if (line.discountPercentE4 != null) {
    return mulDivHalfUp(amount, line.discountPercentE4, PERCENT_DIVISOR);
  }
  return 0n;
}

/** Line amount before discount and tax: round-half-up(quantity × unit price). */
export const lineAmount = (quantityE4: bigint, unitPrice: bigint) => mulDivHalfUp(quantityE4, unitPrice, QUANTITY_SCALE);

/** Prices one line: amount, discount and tax each rounded half-up on the line. */
export function priceLine(line: LineInput, regime: TaxRegime, field: string): PricedLine {
  assertLineInput(line, field);
  const amount = lineAmount(line.quantityE4, line.unitPrice);
  assertSafe(amount, field);
  const discount = lineDiscount(line, amount, field);
  const taxable = amount - discount;
  const components = lineTax(taxable, line.taxRateE4, regime);
  const taxTotal = sumTax(components);
  const total = taxable + taxTotal;
  assertSafe(total, field);
  return { amount, discount, taxable, ...components, taxTotal, total };
}

export function sumLines(lines: readonly PricedLine[]): InvoiceTotals {
  const totals: InvoiceTotals = {
    subtotal: 0n,
    discountTotal: 0n,
    cgst: 0n,
    sgst: 0n,
    igst: 0n,
    tax: 0n,
    taxTotal: 0n,
    total: 0n,
  };
  for (const line of lines) {
    totals.subtotal += line.taxable;
    totals.discountTotal += line.discount;
    totals.cgst += line.cgst;
    totals.sgst += line.sgst;
    totals.igst += line.igst;
    totals.tax += line.tax;
    totals.taxTotal += line.taxTotal;
  }
  totals.total = totals.subtotal + totals.taxTotal;
  return totals;
}

export function priceInvoice(
  lines: LineInput[],
  regime: TaxRegime,
): { lines: PricedLine[]; totals: InvoiceTotals } {
  const priced = lines.map((line, i) => priceLine(line, regime, `line_items[${i}]`));
  const totals = sumLines(priced);
  assertSafe(totals.total, 'line_items');
  return { lines: priced, totals };
}
