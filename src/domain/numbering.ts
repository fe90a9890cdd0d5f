import { invalid } from './errors.ts';

/** GST rule: an invoice number has at most 16 characters. */
export const MAX_DOCUMENT_NUMBER_LENGTH = 16;

const PREFIX = /^[A-Za-z0-9/-]{0,15}$/;
const DATE = /^(\d{4})-(\d{2})-\d{2}$/;
const FISCAL_YEAR = /^(\d{4})(?:-(\d{2}))?$/;

/** Letters, digits, '-' and '/' only (the characters GST allows in a number). */
export function isValidPrefix(prefix: string): boolean {
  return PREFIX.test(prefix);
}

/** "2026-27" for a fiscal year starting in April 2026; "2026" when it starts in January. */
export function fiscalYearOf(date: string, startMonth = 4): string {
  const match = DATE.exec(date);
  if (!match) throw new RangeError(`fiscalYearOf: not a date '${date}'`);
  if (!Number.isInteger(startMonth) || startMonth < 1 || startMonth > 12) {
    throw new RangeError(`fiscalYearOf: bad start month ${startMonth}`);
  }
  const year = Number(match[1]);
  const month = Number(match[2]);
  if (startMonth === 1) return String(year);
  const start = month >= startMonth ? year : year - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
}

/** "2026-27" → "2627"; "2026" → "2026". */
export function fiscalYearShort(fiscalYear: string): string {
  const match = FISCAL_YEAR.exec(fiscalYear);
  if (!match) throw new RangeError(`Not a fiscal year '${fiscalYear}'`);
  const [, start = '', end] = match;
  return end === undefined ? start : `${start.slice(2)}${end}`;
}

export function formatDocumentNumber(input: {
  prefix: string;
  counter: number;
  padding: number;
  fiscalYear?: string | null;
}): string {
  const { prefix, counter, padding, fiscalYear } = input;
  if (!isValidPrefix(prefix)) {
    throw invalid("Prefix may contain only letters, digits, '-' and '/'.", 'prefix');
  }
  if (!Number.isSafeInteger(counter) || counter < 1) {
    throw new RangeError(`formatDocumentNumber: bad counter ${counter}`);
  }
  if (!Number.isInteger(padding) || padding < 0 || padding > MAX_DOCUMENT_NUMBER_LENGTH) {
    throw new RangeError(`formatDocumentNumber: bad padding ${padding}`);
  }
  const year = fiscalYear ? `${fiscalYearShort(fiscalYear)}-` : '';
  const number = `${prefix}${year}${String(counter).padStart(padding, '0')}`;
  if (number.length > MAX_DOCUMENT_NUMBER_LENGTH) {
    throw invalid(
      `Document number '${number}' would exceed ${MAX_DOCUMENT_NUMBER_LENGTH} characters.`,
    );
  }
  return number;
}
