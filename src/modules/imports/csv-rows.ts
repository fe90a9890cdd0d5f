import { Transform, type TransformCallback } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { type Issue, ValidationErrors } from '../../domain/errors.ts';

/** The columns of the import format (docs/csv-format.md); order in the file is free. */
export const COLUMNS = [
  'invoice_ref',
  'customer_id',
  'date',
  'due_date',
  'currency',
  'description',
  'item_id',
  'line_description',
  'quantity',
  'unit_price',
  'tax_rate',
  'place_of_supply',
] as const;
export type Column = (typeof COLUMNS)[number];
const FREE_TEXT = new Set<Column>(['description', 'line_description']);
const REQUIRED: Column[] = ['invoice_ref', 'customer_id', 'quantity'];

/** One data row: its 1-based number (the header is row 0) and its non-empty cells. */
export interface CsvRow {
  row: number;
  cells: Partial<Record<Column, string>>;
  /** Bytes of the file read up to the end of this row (progress of a long import). */
  bytes: number;
}

export const csvIssue = (row: number | undefined, column: string | undefined, msg: string, type: string): Issue => ({
  loc: ['csv', ...(row === undefined ? [] : [row]), ...(column === undefined ? [] : [column])],
  msg,
  type,
});

const reject = (row: number | undefined, msg: string, type: string, column?: string) => new ValidationErrors([csvIssue(row, column, msg, type)]);

/**
 * Passes bytes through unchanged while checking they are UTF-8 text: invalid sequences and
 * NUL bytes (binary files; PostgreSQL cannot store NUL) fail with the line they are on.
 */
class TextCheck extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private line = 1;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      callback(this.failure(chunk, nul, 'The file contains NUL bytes: it is binary, not CSV text.', 'csv.binary'));
      return;
    }
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      const bad = Buffer.from(new TextDecoder('utf-8').decode(chunk)).indexOf('\ufffd');
      callback(this.failure(chunk, bad, 'The file is not valid UTF-8 text.', 'csv.encoding'));
      return;
    }
    this.line += countLines(chunk, chunk.length);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.decoder.decode();
      callback();
    } catch {
      callback(reject(undefined, `The file ends inside a UTF-8 sequence (line ${this.line}).`, 'csv.encoding'));
    }
  }

  private failure(chunk: Buffer, at: number, msg: string, type: string): ValidationErrors {
    const line = this.line + countLines(chunk, Math.max(at, 0));
    return reject(undefined, `${msg} First at line ${line}.`, type);
  }
}

function countLines(chunk: Buffer, end: number): number {
  let count = 0;
  for (let i = chunk.indexOf(10); i >= 0 && i < end; i = chunk.indexOf(10, i + 1)) count++;
  return count;
}

function headerColumns(names: string[]): Column[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  for (const raw of names) {
    const name = raw.trim();
    if (!(COLUMNS as readonly string[]).includes(name)) issues.push(csvIssue(0, name, `Unknown column '${name}'. Known columns: ${COLUMNS.join(', ')}.`, 'csv.unknown_column'));
    else if (seen.has(name)) issues.push(csvIssue(0, name, `Column '${name}' appears twice.`, 'csv.duplicate_column'));
    seen.add(name);
  }
  for (const name of REQUIRED) if (!seen.has(name)) issues.push(csvIssue(0, name, `Column '${name}' is required.`, 'missing'));
  if (issues.length > 0) throw new ValidationErrors(issues);
  return names.map((n) => n.trim() as Column);
}

function structureError(error: CsvError, rows: number): ValidationErrors {
  const line = typeof error.lines === 'number' ? error.lines : undefined;
  const where = line === undefined ? '' : ` (line ${line})`;
  const row = rows + 1;
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return reject(row, `A quoted field is never closed${where}.`, 'csv.quoting');
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return reject(row, `Invalid quoting${where}: a quote inside a quoted field must be doubled.`, 'csv.quoting');
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return reject(row, `This row has a different number of fields than the header${where}.`, 'csv.field_count');
    case 'CSV_MAX_RECORD_SIZE':
      return reject(row, `This row is too large${where}.`, 'csv.too_large');
    default:
      return reject(row, `The file is not valid CSV${where}: ${error.message}`, 'csv.invalid');
  }
}

const MAX_RECORD_BYTES = 1024 * 1024;

/** One record of a CSV file: the header is row 0, data rows count from 1. */
export interface CsvRecord {
  row: number;
  record: string[];
  bytes: number;
}

/**
 * Streams the records of a CSV file: UTF-8 with or without BOM, RFC 4180 quoting, CRLF or
 * LF, quoted newlines. Broken quoting, non-UTF-8 or binary content, a record over 1 MB, an
 * empty file or one without data rows throw ValidationErrors naming the row. Memory stays
 * constant: one record at a time. Invoice and bank statement imports both read through it.
 */
export async function* readCsvRecords(source: NodeJS.ReadableStream): AsyncGenerator<CsvRecord> {
  const check = new TextCheck();
  const parser = parse({ bom: true, skip_empty_lines: true, max_record_size: MAX_RECORD_BYTES });
  source.on('error', (error) => check.destroy(error));
  check.on('error', (error) => parser.destroy(error));
  source.pipe(check).pipe(parser);
  let row = -1;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      row++;
      yield { row, record, bytes: parser.info.bytes };
    }
  } catch (error) {
    if (error instanceof CsvError) throw structureError(error, Math.max(row, 0));
    throw error;
  } finally {
    check.destroy();
    if ('destroy' in source && typeof source.destroy === 'function') source.destroy();
  }
  if (row < 0) throw reject(undefined, 'The file is empty: a header row is required.', 'csv.empty');
  if (row === 0) throw reject(undefined, 'The file has a header but no data rows.', 'csv.empty');
}

/** Data rows of an invoice import: the header names the columns; unknown or missing columns throw. */
export async function* readCsvRows(source: NodeJS.ReadableStream): AsyncGenerator<CsvRow> {
  let columns: Column[] | undefined;
  for await (const { row, record, bytes } of readCsvRecords(source)) {
    if (!columns) {
      columns = headerColumns(record);
      continue;
    }
    const cells: Partial<Record<Column, string>> = {};
    record.forEach((value, i) => {
      const column = columns?.[i] as Column;
      // Free text is data, kept exactly as given (leading tabs, '=' and all); codes and numbers are trimmed.
      if (value.trim() !== '') cells[column] = FREE_TEXT.has(column) ? value : value.trim();
    });
    yield { row, cells, bytes };
  }
}
