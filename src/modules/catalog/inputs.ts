import { isCurrency } from '../../domain/currency.ts';
import { formatScaled, parseScaled } from '../../domain/decimal.ts';
import { invalid } from '../../domain/errors.ts';
import type { AnyRow } from './records.ts';

/** Turns validated wire input into column values; `undefined` fields are left out (PATCH). */
type Input = Record<string, unknown>;

function checkCurrency(input: Input): void {
  const currency = input.currency;
  if (typeof currency === 'string' && !isCurrency(currency)) throw invalid(`Unknown currency '${currency}'.`, 'currency');
}

export function partyColumns(input: Input): Record<string, unknown> {
  checkCurrency(input);
  const columns: Record<string, unknown> = { ...input };
  if ('billing_address' in input) {
    columns.billing_address = input.billing_address === null ? null : JSON.stringify(input.billing_address);
  }
  return columns;
}

export function itemColumns(input: Input): Record<string, unknown> {
  checkCurrency(input);
  const columns: Record<string, unknown> = { ...input };
  if (input.tax_rate !== undefined) {
    const rate = parseScaled(input.tax_rate as number | string, 4, 'tax_rate');
    if (rate < 0n || rate > 1_000_000n) throw invalid('tax_rate must be between 0 and 100.', 'tax_rate');
    columns.tax_rate = formatScaled(rate, 4);
  }
  return columns;
}

export const itemToWire = (row: AnyRow) => ({ ...row, tax_rate: Number(row.tax_rate) });
export const partyToWire = (row: AnyRow) => row;
