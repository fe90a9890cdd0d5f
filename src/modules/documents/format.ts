import { ToWords } from 'to-words';
import { currencyExponent } from '../../domain/currency.ts';
import { minorToMajor } from '../../domain/money.ts';

/** The locale a business's documents use unless it set one: English with its country's conventions. */
export const defaultLocale = (country: string) => `en-${country}`;

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** ₹1,23,456.78 (en-IN), $1,234.56 (en-US), 1.234,56 € (de-DE), ¥1,235 (en-US JPY): exact, never via a float. */
export function formatMoney(amount: number, currency: string, locale: string): string {
  const key = `${locale}|${currency}`;
  let format = moneyFormats.get(key);
  if (!format) {
    const digits = currencyExponent(currency);
    format = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
    moneyFormats.set(key, format);
  }
  // Intl formats a decimal string exactly, so large amounts keep every digit.
  return format.format(minorToMajor(amount, currency) as unknown as number);
}

export function formatNumber(value: number, locale: string, maxFractionDigits = 4): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: maxFractionDigits }).format(value);
}

export function formatPercent(rate: number, locale: string): string {
  return `${formatNumber(rate, locale)}%`;
}

/** A document date (YYYY-MM-DD, a calendar date with no time zone) as the locale writes it. */
export function formatDate(date: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

// Units in words for the currencies Billow's customers use most; others fall back to the
// currency's English name with the fraction written as digits.
const UNIT_WORDS: Record<string, [major: string, minor: string]> = {
  USD: ['Dollars', 'Cents'],
  EUR: ['Euros', 'Cents'],
  GBP: ['Pounds', 'Pence'],
  AUD: ['Australian Dollars', 'Cents'],
  CAD: ['Canadian Dollars', 'Cents'],
  SGD: ['Singapore Dollars', 'Cents'],
  AED: ['Dirhams', 'Fils'],
  JPY: ['Yen', ''],
};

const indianWords = new ToWords({ localeCode: 'en-IN' });
const westernWords = new ToWords({ localeCode: 'en-US' });
const currencyNames = new Intl.DisplayNames(['en'], { type: 'currency' });

/**
 * The total in words, as GST rule 46 asks: Indian numbering (lakh, crore) for rupees,
 * "Rupees One Lakh Twenty Three Thousand … and Seventy Eight Paise Only".
 */
export function amountInWords(amount: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const scale = 10 ** exponent;
  const major = Math.floor(Math.abs(amount) / scale);
  const minor = Math.abs(amount) % scale;
  const sign = amount < 0 ? 'Minus ' : '';
  if (currency === 'INR') {
    return `${sign}Rupees ${indianWords.convert(major)}${minor ? ` and ${indianWords.convert(minor)} Paise` : ''} Only`;
  }
  const words = westernWords.convert(major);
  const units = UNIT_WORDS[currency];
  if (units) return `${sign}${words} ${units[0]}${minor && units[1] ? ` and ${westernWords.convert(minor)} ${units[1]}` : ''} Only`;
  const fraction = minor ? ` and ${String(minor).padStart(exponent, '0')}/${scale}` : '';
  return `${sign}${currencyNames.of(currency) ?? currency} ${words}${fraction} Only`;
}
