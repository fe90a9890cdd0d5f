import { createHash } from 'node:crypto';
import { parseDate } from './dates.ts';
import { invalid } from './errors.ts';
import { majorToMinor } from './money.ts';

/**
 * Pure rules of bank statement import (docs/banking.md): amounts and dates as banks write
 * them, the dedupe key of a line, and the invoice or bill numbers a narration names.
 */

export type DateFormat = 'YYYY-MM-DD' | 'DD/MM/YYYY' | 'MM/DD/YYYY';
export const DATE_FORMATS: DateFormat[] = ['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY'];

/** One statement line, whatever the format it came from. Amount: signed minor units, negative = money out. */
export interface StatementLine {
  /** Position in the file: CSV data row, OFX STMTTRN or camt.053 Ntry (1-based). */
  line: number;
  date: string;
  amount: bigint;
  description: string;
  reference: string | null;
  transactionId: string | null;
  balance: bigint | null;
}

// Western (1,234,567.89) and Indian (12,34,567.89) digit grouping; either, or none.
const GROUPED = /^(?:\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})*,\d{3}|\d+)(?:\.\d+)?$/;

/**
 * A bank's decimal amount → signed minor units. Accepted: `-1234.50`, `+1234.50`,
 * `1,234.50`, `1,00,000.00` (Indian grouping), `(500.00)` (accounting negative). Refused:
 * decimal commas, currency symbols, `Dr`/`Cr` suffixes, more places than the currency has.
 */
export function parseBankAmount(text: string, currency: string, field: string): bigint {
  let value = text.trim();
  let negative = false;
  const parenthesized = /^\((.*)\)$/.exec(value);
  if (parenthesized) {
    negative = true;
    value = (parenthesized[1] ?? '').trim();
  }
  const sign = /^[+-]/.exec(value)?.[0];
  if (sign) {
    if (parenthesized) throw invalid(`Field '${field}' has both parentheses and a sign: '${text}'.`, field);
    negative = sign === '-';
    value = value.slice(1);
  }
  if (!GROUPED.test(value)) throw invalid(`Field '${field}' must be a decimal amount like 1234.50, 1,234.50 or (500.00), not '${text.slice(0, 40)}'.`, field);
  const minor = majorToMinor(value.replaceAll(',', ''), currency, field);
  return negative ? -minor : minor;
}

const DATE_PATTERNS: Record<DateFormat, RegExp> = {
  'YYYY-MM-DD': /^(\d{4})-(\d{2})-(\d{2})$/,
  'DD/MM/YYYY': /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/,
  'MM/DD/YYYY': /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/,
};

/** A statement date in the given format → YYYY-MM-DD; an impossible date (31/02) is refused. */
export function parseStatementDate(text: string, format: DateFormat, field: string): string {
  const match = DATE_PATTERNS[format].exec(text.trim());
  if (!match) throw invalid(`Field '${field}' must be a date in the format ${format}, not '${text.slice(0, 40)}'.`, field);
  const [, a = '', b = '', c = ''] = match;
  const [y, m, d] = format === 'YYYY-MM-DD' ? [a, b, c] : format === 'DD/MM/YYYY' ? [c, b, a] : [c, a, b];
  return parseDate(`${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`, field);
}

const normalizeText = (text: string) => text.trim().replace(/\s+/g, ' ').toUpperCase();

/**
 * Counts identical lines of a file (same date, amount and description) so that each gets its
 * position among them: two equal card payments on one day are two transactions, and the
 * same day imported again from an overlapping statement yields the same keys.
 */
export class Fingerprints {
  private readonly seen = new Map<string, number>();

  /** The dedupe key of a line: the bank's id when it gives one, else the fingerprint. */
  keyOf(line: StatementLine): string {
    if (line.transactionId !== null) return `id:${line.transactionId}`;
    const base = createHash('sha256').update(`${line.date}|${line.amount}|${normalizeText(line.description)}`).digest('base64url');
    const position = (this.seen.get(base) ?? 0) + 1;
    this.seen.set(base, position);
    return `fp:${base}:${position}`;
  }
}

const MAX_TOKENS = 64;
const MAX_PARTS = 6;

/** `TRADERS-INV-00001` → every run of its hyphen-joined parts: INV-00001, 00001, TRADERS-INV, … */
function hyphenRuns(word: string): string[] {
  const parts = word.split('-').slice(0, MAX_PARTS);
  const runs: string[] = [];
  for (let i = 0; i < parts.length; i++) for (let j = i + 1; j <= parts.length; j++) runs.push(parts.slice(i, j).join('-'));
  return runs;
}

/**
 * The words of a narration that could be a document number, upper-cased: split on blanks
 * and the punctuation banks put between fields (NEFT/N123/ACME/INV-0001 has four), kept with
 * their slashes too (a GST number like INV/26/001), and every hyphen-joined run of a word,
 * since banks glue fields with hyphens (NEFT CR-HDFC0000123-ACME-INV-0001).
 */
export function referenceTokens(...texts: (string | null)[]): string[] {
  const tokens = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    for (const word of text.toUpperCase().split(/[\s,;:()[\]{}"'|]+/)) {
      const trimmed = word.replace(/^[.#]+|[.#]+$/g, '');
      for (const piece of [trimmed, ...trimmed.split('/')]) {
        for (const token of hyphenRuns(piece)) if (token.length >= 2 && token.length <= 32 && /\d/.test(token)) tokens.add(token);
      }
    }
  }
  return [...tokens].slice(0, MAX_TOKENS);
}

/** An open document a transaction names, as the matching query returns it. */
export interface Candidate {
  documentId: string;
  token: string;
  balanceDue: bigint;
}

export interface Allocation {
  documentId: string;
  amount: bigint;
}

/**
 * Auto-match of one transaction (SPEC §13): the documents it names, each named number
 * resolving to exactly one open document, must have balances that add up to the amount
 * exactly; each is then paid in full. Anything else (no name, a number shared by two
 * vendors' bills, a sum that differs, a document another line already took) is undefined,
 * and the transaction stays unmatched.
 */
export function autoAllocate(amount: bigint, candidates: Candidate[], taken: ReadonlySet<string>): Allocation[] | undefined {
  const byToken = new Map<string, Set<string>>();
  for (const c of candidates) byToken.set(c.token, (byToken.get(c.token) ?? new Set()).add(c.documentId));
  if ([...byToken.values()].some((ids) => ids.size > 1)) return undefined;
  const documents = new Map(candidates.map((c) => [c.documentId, c.balanceDue]));
  if (documents.size === 0 || [...documents.keys()].some((id) => taken.has(id))) return undefined;
  let sum = 0n;
  for (const balance of documents.values()) sum += balance;
  if (sum !== amount) return undefined;
  return [...documents].map(([documentId, balance]) => ({ documentId, amount: balance }));
}

/** A running balance that disagrees with the amounts: the line and what it should have said. */
export interface BalanceMismatch {
  line: number;
  expected: bigint;
  actual: bigint;
}

/** Checks each line's running balance against the previous one plus the amounts between. */
export class BalanceCheck {
  private last: bigint | null = null;

  check(line: StatementLine): BalanceMismatch | undefined {
    const expected = this.last === null ? null : this.last + line.amount;
    this.last = line.balance ?? expected;
    if (expected === null || line.balance === null || expected === line.balance) return undefined;
    return { line: line.line, expected, actual: line.balance };
  }
}
