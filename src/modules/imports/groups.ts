import type { DocumentInput, LineItemInput } from '../invoicing/types.ts';
import type { Column, CsvRow } from './csv-rows.ts';

/** A problem with one row of an import, as reported in the 422 and in errors.csv. */
export interface RowIssue {
  row: number;
  column?: Column | undefined;
  invoiceRef?: string | undefined;
  message: string;
  type: string;
  /** The cell as given, for the error report. */
  value?: string | undefined;
}

/** The consecutive rows that share an invoice_ref: one invoice. */
export interface InvoiceGroup {
  ref: string;
  rows: CsvRow[];
  issues: RowIssue[];
}

/** Columns that describe the invoice, not the line: the first row of a group sets them. */
const INVOICE_COLUMNS: Column[] = ['customer_id', 'date', 'due_date', 'currency', 'description', 'place_of_supply'];
const MAX_TEXT = 1000;
const MAX_REF = 100;

export function rowIssue(row: CsvRow, column: Column | undefined, message: string, type: string, ref?: string): RowIssue {
  return { row: row.row, column, invoiceRef: ref ?? row.cells.invoice_ref, message, type, value: column ? row.cells[column] : undefined };
}

function checkRow(group: InvoiceGroup, row: CsvRow): void {
  const first = group.rows[0] as CsvRow;
  for (const column of INVOICE_COLUMNS) {
    const value = row.cells[column];
    if (row === first || value === undefined || value === first.cells[column]) continue;
    group.issues.push(rowIssue(row, column, `'${value}' differs from '${first.cells[column] ?? ''}' on row ${first.row}, the first row of invoice '${group.ref}'; leave it empty or repeat it.`, 'csv.inconsistent'));
  }
  for (const [column, value] of Object.entries(row.cells) as [Column, string][]) {
    if (value.length > MAX_TEXT) group.issues.push(rowIssue(row, column, `At most ${MAX_TEXT} characters.`, 'string_too_long'));
  }
  if (row === first && !row.cells.customer_id) group.issues.push(rowIssue(row, 'customer_id', "Field 'customer_id' is required on the first row of an invoice.", 'validation.required'));
}

/**
 * Groups consecutive rows by invoice_ref. The rows of one invoice must be consecutive, so a
 * file streams invoice by invoice in constant memory (only the refs already seen are kept,
 * to refuse a ref that comes back later).
 */
export class Grouper {
  private current: InvoiceGroup | undefined;
  private readonly seen = new Set<string>();

  /** Adds a row; returns the group it completed, if any. */
  add(row: CsvRow): InvoiceGroup | undefined {
    const ref = row.cells.invoice_ref;
    if (ref === undefined || ref.length > MAX_REF) {
      const issue = rowIssue(row, 'invoice_ref', ref === undefined ? "Field 'invoice_ref' is required." : `At most ${MAX_REF} characters.`, ref === undefined ? 'validation.required' : 'string_too_long', '');
      const done = this.flush();
      this.current = { ref: ref ?? '', rows: [row], issues: [issue] };
      return done;
    }
    if (this.current && this.current.ref === ref) {
      this.current.rows.push(row);
      checkRow(this.current, row);
      return undefined;
    }
    const done = this.flush();
    this.current = { ref, rows: [row], issues: [] };
    if (this.seen.has(ref)) {
      this.current.issues.push(rowIssue(row, 'invoice_ref', `Invoice '${ref}' already appeared on earlier rows; the rows of one invoice must be consecutive.`, 'csv.not_consecutive'));
    }
    this.seen.add(ref);
    checkRow(this.current, row);
    return done;
  }

  /** A row already imported before a restart: only its ref is remembered. */
  skip(row: CsvRow): void {
    if (row.cells.invoice_ref !== undefined) this.seen.add(row.cells.invoice_ref);
  }

  /** Ends the current group (at the end of the file). */
  flush(): InvoiceGroup | undefined {
    const done = this.current;
    this.current = undefined;
    return done;
  }
}

export function groupRows(rows: CsvRow[]): InvoiceGroup[] {
  const grouper = new Grouper();
  const groups = rows.map((row) => grouper.add(row)).filter((g): g is InvoiceGroup => g !== undefined);
  const last = grouper.flush();
  return last ? [...groups, last] : groups;
}

function lineOf(row: CsvRow): LineItemInput {
  const c = row.cells;
  // Without an item the line's description is its name; with one, it adds to the item's name.
  const text = c.item_id === undefined ? { name: c.line_description } : { description: c.line_description };
  return { item_id: c.item_id, ...text, quantity: c.quantity ?? '', unit_price_major: c.unit_price, tax_rate: c.tax_rate };
}

/** The engine's input for a group: the first row's invoice columns, one line per row. */
export function documentInput(group: InvoiceGroup, finalize: boolean): DocumentInput {
  const c = (group.rows[0] as CsvRow).cells;
  return {
    customer_id: c.customer_id,
    date: c.date,
    due_date: c.due_date,
    currency: c.currency?.toUpperCase(),
    description: c.description,
    place_of_supply: c.place_of_supply,
    reference: group.ref,
    line_items: group.rows.map(lineOf),
    auto_approve: finalize,
  };
}

const LINE_FIELD: Record<string, Column> = { item_id: 'item_id', quantity: 'quantity', unit_price: 'unit_price', tax_rate: 'tax_rate', name: 'line_description', description: 'line_description' };
const INVOICE_FIELD: Record<string, Column> = { customer_id: 'customer_id', currency: 'currency', due_date: 'due_date', date: 'date', place_of_supply: 'place_of_supply', description: 'description', line_items: 'invoice_ref' };

/** Maps an engine error's field (`line_items[2].quantity`) back to a row and column of the file. */
export function locate(group: InvoiceGroup, field: string | undefined): { row: CsvRow; column: Column | undefined } {
  const first = group.rows[0] as CsvRow;
  const line = field ? /^line_items\[(\d+)\](?:\.(\w+))?/.exec(field) : null;
  if (line) {
    const row = group.rows[Number(line[1])] ?? first;
    return { row, column: line[2] ? LINE_FIELD[line[2]] : undefined };
  }
  return { row: first, column: field ? INVOICE_FIELD[field] : undefined };
}
