import { Readable } from 'node:stream';
import type { Db } from '../context.ts';
import { type ErrorLine, getImport, importErrorPage } from './repository.ts';

const HEADER = ['row', 'column', 'invoice_ref', 'error', 'message', 'value'];
const PAGE = 5000;

/**
 * A cell as spreadsheet software will not execute it (OWASP CSV injection): text starting
 * with `=`, `+`, `-`, `@`, tab or CR gets a leading apostrophe. Then RFC 4180 quoting.
 */
export function csvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (cells: (string | number | null)[]) => `${cells.map(csvCell).join(',')}\r\n`;
const errorLine = (e: ErrorLine) => csvLine([e.row_number, e.column_name, e.invoice_ref, e.type, e.message, e.value]);

/** The error report of an import as a CSV stream, read from the database a page at a time. */
export async function importErrorReport(db: Db, businessId: string, importId: string): Promise<Readable> {
  await getImport(db, businessId, importId);
  async function* lines(): AsyncGenerator<string> {
    yield csvLine(HEADER);
    let after = 0;
    for (;;) {
      const page = await importErrorPage(db, businessId, importId, after, PAGE);
      if (page.length > 0) yield page.map(errorLine).join('');
      if (page.length < PAGE) return;
      after = (page[page.length - 1] as ErrorLine).seq;
    }
  }
  return Readable.from(lines());
}
