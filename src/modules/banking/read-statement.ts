import type { StatementFormat } from '../../db/schema.ts';
import type { DateFormat } from '../../domain/bank-statement.ts';
import type { ObjectStore } from '../../storage/index.ts';
import { type ColumnMapping, csvStatementLines, type ParsedLine } from './parse-csv.ts';
import { camtStatementLines } from './parse-camt.ts';
import { ofxStatementLines } from './parse-ofx.ts';
import { fileError } from './markup.ts';

/** How to read a statement file (the request's format, columns and date_format). */
export interface StatementOptions {
  format: StatementFormat;
  columns?: ColumnMapping | undefined;
  dateFormat: DateFormat;
  currency: string;
}

/**
 * OFX and camt.053 are parsed whole (markup is not streamed); beyond this size a statement
 * is refused rather than risking the worker's memory. CSV streams at any size.
 */
export const MAX_MARKUP_BYTES = 32 * 1024 * 1024;

async function readText(store: ObjectStore, businessId: string, key: string, format: StatementFormat): Promise<string> {
  const { size } = await store.stat(businessId, key);
  if (size > MAX_MARKUP_BYTES) throw fileError(format, undefined, `A ${format} statement may be at most ${MAX_MARKUP_BYTES} bytes; split it, or export CSV.`, 'validation.too_large');
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(businessId, key)) chunks.push(Buffer.from(chunk as Buffer));
  const bytes = Buffer.concat(chunks);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw fileError(format, lineOf(bytes, nul), 'The file contains NUL bytes: it is binary, not a statement.', 'file.binary');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = Buffer.from(new TextDecoder('utf-8').decode(bytes)).indexOf('\ufffd');
    throw fileError(format, lineOf(Buffer.from(new TextDecoder('utf-8').decode(bytes)), bad), 'The file is not valid UTF-8 text.', 'file.encoding');
  }
}

function lineOf(bytes: Buffer, at: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i >= 0 && i < at; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

/** Guesses the format from the first bytes when the request names none. */
export async function sniffFormat(store: ObjectStore, businessId: string, key: string): Promise<StatementFormat> {
  let head = '';
  for await (const chunk of await store.get(businessId, key)) {
    head += Buffer.from(chunk as Buffer).toString('latin1');
    if (head.length >= 4096) break;
  }
  if (/OFXHEADER|<OFX>/i.test(head)) return 'ofx';
  if (/^\s*(\ufeff|ï»¿)?\s*<\?xml/.test(head) || /BkToCstmrStmt|camt\.053/.test(head)) return /<OFX>/i.test(head) ? 'ofx' : 'camt053';
  return 'csv';
}

/** The lines of a stored statement in file order, each with the bytes read up to it. */
export async function* statementLines(store: ObjectStore, businessId: string, key: string, options: StatementOptions): AsyncGenerator<ParsedLine> {
  if (options.format === 'csv') {
    yield* csvStatementLines(await store.get(businessId, key), options);
    return;
  }
  const text = await readText(store, businessId, key, options.format);
  const lines = options.format === 'ofx' ? ofxStatementLines(text, options.currency) : camtStatementLines(text, options.currency);
  if (lines.length === 0) throw fileError(options.format, undefined, 'The statement has no transactions.', 'file.empty');
  const total = Buffer.byteLength(text);
  for (const [i, line] of lines.entries()) yield { ...line, bytes: Math.floor((total * (i + 1)) / lines.length) };
}
