import { type DateFormat, parseBankAmount, parseStatementDate, type StatementLine } from '../../domain/bank-statement.ts';
import { DomainError, type Issue, ValidationErrors } from '../../domain/errors.ts';
import { csvIssue, readCsvRecords } from '../imports/csv-rows.ts';

/** The fields of a statement line a CSV column can hold (SPEC §13). */
export const CSV_FIELDS = ['date', 'amount', 'debit', 'credit', 'description', 'reference', 'transaction_id', 'balance'] as const;
export type CsvField = (typeof CSV_FIELDS)[number];
export type ColumnMapping = Partial<Record<CsvField, string>>;

export interface CsvOptions {
  columns?: ColumnMapping | undefined;
  dateFormat: DateFormat;
  currency: string;
}

/** A parsed line with the bytes read up to its end (progress of a long import). */
export type ParsedLine = StatementLine & { bytes: number };

const MAX_TEXT = 1000;
const MAX_ID = 200;

/** Which record index holds each field: the mapping's header names, else the field's own name. */
function fieldIndexes(header: string[], mapping: ColumnMapping): Map<CsvField, number> {
  const names = header.map((h) => h.trim().toLowerCase());
  const indexes = new Map<CsvField, number>();
  const issues: Issue[] = [];
  for (const field of CSV_FIELDS) {
    const wanted = (mapping[field] ?? field).trim().toLowerCase();
    const index = names.indexOf(wanted);
    if (index >= 0) indexes.set(field, index);
    else if (mapping[field] !== undefined) issues.push(csvIssue(0, mapping[field], `Column '${mapping[field]}' (mapped to ${field}) is not in the header.`, 'csv.unknown_column'));
  }
  for (const field of ['date', 'description'] as const) {
    if (!indexes.has(field)) issues.push(csvIssue(0, field, `A '${field}' column is required (or map one with columns.${field}).`, 'missing'));
  }
  if (!indexes.has('amount') && !indexes.has('debit') && !indexes.has('credit')) {
    issues.push(csvIssue(0, 'amount', "An 'amount' column, or 'debit' and 'credit' columns, is required.", 'missing'));
  }
  if (issues.length > 0) throw new ValidationErrors(issues);
  return indexes;
}

/** The cell of a field, re-thrown as an issue at [csv, row, field] when it does not parse. */
function cellParser(row: number, record: string[], indexes: Map<CsvField, number>) {
  const cell = (field: CsvField) => {
    const index = indexes.get(field);
    const value = index === undefined ? '' : (record[index] ?? '').trim();
    return value === '' ? undefined : value;
  };
  const parse = <T>(field: CsvField, fn: (value: string) => T): T | undefined => {
    const value = cell(field);
    if (value === undefined) return undefined;
    try {
      return fn(value);
    } catch (error) {
      if (error instanceof DomainError) throw new ValidationErrors([csvIssue(row, field, error.message, error.code)]);
      throw error;
    }
  };
  return { cell, parse };
}

function text(row: number, field: CsvField, value: string | undefined, max: number): string | null {
  if (value === undefined) return null;
  if (value.length > max) throw new ValidationErrors([csvIssue(row, field, `At most ${max} characters.`, 'string_too_long')]);
  return value;
}

/** The signed amount: `amount`, or credit minus debit (banks write both as positive numbers). */
function amountOf(row: number, { parse }: ReturnType<typeof cellParser>, currency: string): bigint {
  const amount = parse('amount', (v) => parseBankAmount(v, currency, 'amount'));
  const debit = parse('debit', (v) => parseBankAmount(v, currency, 'debit'));
  const credit = parse('credit', (v) => parseBankAmount(v, currency, 'credit'));
  const signed = amount ?? (credit ?? 0n) - (debit ?? 0n);
  if (signed === 0n) throw new ValidationErrors([csvIssue(row, amount === undefined ? 'credit' : 'amount', 'The line moves no money: give a non-zero amount (or a debit or a credit).', 'validation.required')]);
  return signed;
}

function lineOf(row: number, record: string[], indexes: Map<CsvField, number>, options: CsvOptions): StatementLine {
  const cells = cellParser(row, record, indexes);
  const date = cells.parse('date', (v) => parseStatementDate(v, options.dateFormat, 'date'));
  if (date === undefined) throw new ValidationErrors([csvIssue(row, 'date', "Field 'date' is required.", 'validation.required')]);
  return {
    line: row,
    date,
    amount: amountOf(row, cells, options.currency),
    description: text(row, 'description', cells.cell('description'), MAX_TEXT) ?? '',
    reference: text(row, 'reference', cells.cell('reference'), MAX_TEXT),
    transactionId: text(row, 'transaction_id', cells.cell('transaction_id'), MAX_ID),
    balance: cells.parse('balance', (v) => parseBankAmount(v, options.currency, 'balance')) ?? null,
  };
}

/** Statement lines of a CSV file, streamed; the first bad line stops it with its row and column. */
export async function* csvStatementLines(source: NodeJS.ReadableStream, options: CsvOptions): AsyncGenerator<ParsedLine> {
  let indexes: Map<CsvField, number> | undefined;
  for await (const { row, record, bytes } of readCsvRecords(source)) {
    if (!indexes) {
      indexes = fieldIndexes(record, options.columns ?? {});
      continue;
    }
    if (record.length !== 0 && record.every((cell) => cell.trim() === '')) continue;
    yield { ...lineOf(row, record, indexes, options), bytes };
  }
}
