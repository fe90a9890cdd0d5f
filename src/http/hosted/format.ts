import { currencyExponent } from '../../domain/currency.ts';
import { minorToMajor } from '../../domain/money.ts';

/** Display money: exact decimal text, grouped per locale, all minor digits: "INR 1,17,999.00". */
export function formatMoney(amount: number, currency: string): string {
  const major = minorToMajor(amount, currency);
  const fraction = currencyExponent(currency);
  const locale = currency === 'INR' ? 'en-IN' : 'en-US';
  // Intl formats a decimal string exactly (no float rounding of large amounts).
  const grouped = new Intl.NumberFormat(locale, { minimumFractionDigits: fraction, maximumFractionDigits: fraction }).format(
    major as unknown as number,
  );
  return `${currency} ${grouped}`;
}

export const formatQuantity = (quantity: number) => String(quantity);

export const STATUS_LABEL: Record<string, string> = {
  draft: 'Draft',
  open: 'Open',
  partially_paid: 'Partially paid',
  manual_paid: 'Paid',
  stripe_paid: 'Paid',
  void: 'Void',
};
