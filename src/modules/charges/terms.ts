import { isCurrency } from '../../domain/currency.ts';
import { formatScaled, parseScaled, toSafeNumber } from '../../domain/decimal.ts';
import { invalid, required } from '../../domain/errors.ts';
import { lineAmount } from '../../domain/pricing.ts';
import { MAX_TAX_RATE_E4 } from '../../domain/tax.ts';

/** What a client may send about a charge's price: quantity × unit_price, or one amount. */
export interface ChargeTerms {
  quantity?: number | string | undefined;
  unit_price?: number | undefined;
  amount?: number | undefined;
  tax_rate?: number | string | undefined;
  currency?: string | undefined;
}

/** What the terms fall back on: the item (create) or the stored charge (update). */
export interface TermsFallback {
  quantity: number | string;
  unitPrice: number | undefined;
  taxRate: number | string;
  currency: string;
}

export interface ResolvedTerms {
  quantity: string;
  unit_price: number;
  tax_rate: string;
  currency: string;
}

function quantityAndPrice(input: ChargeTerms, fallback: TermsFallback): { quantityE4: bigint; unitPrice: number } {
  if (input.amount !== undefined) {
    // `amount` is shorthand for one unit at that price; mixing both forms would be ambiguous.
    if (input.quantity !== undefined || input.unit_price !== undefined) {
      throw invalid('Give either amount, or quantity and unit_price, not both.', 'amount');
    }
    return { quantityE4: 10_000n, unitPrice: input.amount };
  }
  const quantityE4 = parseScaled(input.quantity ?? fallback.quantity, 4, 'quantity');
  if (quantityE4 <= 0n) throw invalid('Quantity must be greater than 0.', 'quantity');
  const unitPrice = input.unit_price ?? fallback.unitPrice;
  if (unitPrice === undefined) throw required('unit_price');
  return { quantityE4, unitPrice };
}

/** Validates and resolves a charge's price, currency and tax rate, as a line would be priced. */
export function resolveTerms(input: ChargeTerms, fallback: TermsFallback): ResolvedTerms {
  const { quantityE4, unitPrice } = quantityAndPrice(input, fallback);
  toSafeNumber(lineAmount(quantityE4, BigInt(unitPrice)), input.amount === undefined ? 'quantity' : 'amount');
  const rateE4 = parseScaled(input.tax_rate ?? fallback.taxRate, 4, 'tax_rate');
  if (rateE4 < 0n || rateE4 > MAX_TAX_RATE_E4) throw invalid('Tax rate must be between 0 and 100 percent.', 'tax_rate');
  const currency = input.currency ?? fallback.currency;
  if (!isCurrency(currency)) throw invalid(`Unknown currency '${currency}'.`, 'currency');
  return { quantity: formatScaled(quantityE4, 4), unit_price: unitPrice, tax_rate: formatScaled(rateE4, 4), currency };
}
