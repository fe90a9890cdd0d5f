import { isCurrency } from '../../domain/currency.ts';
import { formatScaled, parseScaled, toSafeNumber } from '../../domain/decimal.ts';
import { invalid, required } from '../../domain/errors.ts';
import { lineAmount } from '../../domain/pricing.ts';
import { MAX_TAX_RATE_E4 } from '../../domain/tax.ts';

/** What a client may send about a charge's price: quantity × unit_price, or the amount (line total). */
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

/**
 * `amount` is the line total. Alone it is one unit at that price; with a quantity the unit
 * price is derived, which must come out a whole number of minor units; with a unit price too
 * the three must agree. Anything else would store a total the client did not send.
 */
function fromAmount(input: ChargeTerms, amount: number): { quantityE4: bigint; unitPrice: number } {
  const quantityE4 = input.quantity === undefined ? 10_000n : positiveQuantity(input.quantity);
  if (input.unit_price !== undefined) {
    if (lineAmount(quantityE4, BigInt(input.unit_price)) !== BigInt(amount)) {
      throw invalid(`amount ${amount} is not quantity ${formatScaled(quantityE4, 4)} × unit_price ${input.unit_price}; send two of the three, or values that agree.`, 'amount');
    }
    return { quantityE4, unitPrice: input.unit_price };
  }
  const scaled = BigInt(amount) * 10_000n;
  if (scaled % quantityE4 !== 0n) {
    throw invalid(`amount ${amount} does not divide into quantity ${formatScaled(quantityE4, 4)} equal unit prices in minor units; give unit_price instead.`, 'amount');
  }
  return { quantityE4, unitPrice: Number(scaled / quantityE4) };
}

function positiveQuantity(quantity: number | string): bigint {
  const quantityE4 = parseScaled(quantity, 4, 'quantity');
  if (quantityE4 <= 0n) throw invalid('Quantity must be greater than 0.', 'quantity');
  return quantityE4;
}

function quantityAndPrice(input: ChargeTerms, fallback: TermsFallback): { quantityE4: bigint; unitPrice: number } {
  if (input.amount !== undefined) return fromAmount(input, input.amount);
  const quantityE4 = positiveQuantity(input.quantity ?? fallback.quantity);
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
