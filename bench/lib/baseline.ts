import { randomBytes } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import pg from 'pg';
import { uuidv7 } from '../../src/ids.ts';
import type { Fixture } from './fixture.ts';
import { INVOICE_COLUMNS as INVOICE_COLUMN_TYPES, LINE_COLUMNS as LINE_COLUMN_TYPES } from '../../src/db/columns.ts';

/**
 * The baseline the bulk endpoint is compared with: the same rows (1 invoice + 3 lines per
 * invoice, every column the application writes, fresh ids, same business) inserted by two
 * plain multi-row INSERTs per 50-invoice transaction, through the same driver.
 */
export const INVOICE_COLUMNS = [
  'business_id', 'id', 'kind', 'status', 'customer_id', 'vendor_id', 'party_name', 'party_email', 'number', 'bill_number',
  'currency', 'date', 'due_date', 'place_of_supply', 'tax_regime', 'description', 'reference', 'subtotal', 'discount_total',
  'cgst', 'sgst', 'igst', 'tax', 'tax_total', 'total', 'total_paid', 'hosted_token', 'order_id', 'import_id', 'entity_id',
  'stripe_invoice_id', 'recurring_template_id', 'delivered', 'delivered_on', 'paid_on', 'finalized_at', 'voided_at',
  'created_at', 'updated_at',
] as const;

export const LINE_COLUMNS = [
  'business_id', 'invoice_id', 'id', 'position', 'item_id', 'name', 'description', 'hsn_code', 'quantity', 'unit_price',
  'discount_percent', 'discount_amount', 'tax_rate', 'amount', 'discount', 'taxable', 'cgst', 'sgst', 'igst', 'tax',
  'tax_total', 'total',
] as const;

function insertSql(table: string, columns: readonly string[], rows: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    tuples.push(`(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
  }
  return `insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')}`;
}

// PostgreSQL types of the columns above, for the unnest() variant (bench write-path): the
// application's own column map, so the two cannot drift apart.
export const INVOICE_TYPES = INVOICE_COLUMNS.map((c) => INVOICE_COLUMN_TYPES[c]);
export const LINE_TYPES = LINE_COLUMNS.map((c) => LINE_COLUMN_TYPES[c]);

/** `insert into t (cols) select * from unnest($1::type[], …)`: one parameter per column. */
export function unnestSql(table: string, columns: readonly string[], types: readonly string[]): string {
  return `insert into ${table} (${columns.join(', ')}) select * from unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
}

/** Row-major parameters (as for multi-row VALUES) → one array per column. */
export function toColumns(params: readonly unknown[], width: number): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => []);
  for (let i = 0; i < params.length; i++) (columns[i % width] as unknown[]).push(params[i]);
  return columns;
}

export interface BaselineStatements {
  invoiceSql: string;
  lineSql: string;
}

export const baselineStatements = (invoices: number, lines: number): BaselineStatements => ({
  invoiceSql: insertSql('invoices', INVOICE_COLUMNS, invoices),
  lineSql: insertSql('invoice_lines', LINE_COLUMNS, invoices * lines),
});

const half = (taxable: number, rate: number) => Math.round((taxable * rate) / 200);
const full = (taxable: number, rate: number) => Math.round((taxable * rate) / 100);
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

let entityCounter = 10_000_000;

/** Parameters of one batch: `invoices` invoices of `lines` lines, priced like the application prices them. */
export function baselineBatch(fixture: Fixture, invoices: number, lines: number, seq: number): { invoice: unknown[]; line: unknown[] } {
  const now = new Date().toISOString();
  const invoice: unknown[] = [];
  const line: unknown[] = [];
  for (let i = 0; i < invoices; i++) {
    const k = seq * invoices + i;
    const customer = fixture.customers[k % fixture.customers.length] as Fixture['customers'][number];
    const intra = i % 2 === 0;
    const id = uuidv7();
    const sums = { subtotal: 0, cgst: 0, sgst: 0, igst: 0 };
    for (let j = 0; j < lines; j++) {
      const item = fixture.items[(k * 7 + j * 3) % fixture.items.length] as Fixture['items'][number];
      const quantity = 1 + ((k + j) % 5);
      const amount = quantity * item.unit_price;
      const cgst = intra ? half(amount, item.tax_rate) : 0;
      const igst = intra ? 0 : full(amount, item.tax_rate);
      const taxTotal = 2 * cgst + igst;
      sums.subtotal += amount;
      sums.cgst += cgst;
      sums.sgst += cgst;
      sums.igst += igst;
      line.push(
        fixture.businessId, id, uuidv7(), j, item.id, item.name, item.description, item.hsn_code, `${quantity}.0000`, item.unit_price,
        null, null, `${item.tax_rate}.0000`, amount, 0, amount, cgst, cgst, igst, 0, taxTotal, amount + taxTotal,
      );
    }
    const taxTotal = sums.cgst + sums.sgst + sums.igst;
    invoice.push(
      fixture.businessId, id, 'invoice', 'draft', customer.id, null, customer.name, customer.email, null, null,
      'INR', '2026-05-12', addDays('2026-05-12', customer.payment_terms_days), intra ? 'IN-MH' : 'IN-KA', intra ? 'intra' : 'inter',
      null, `PO-${seq}-${i}`, sums.subtotal, 0,
      sums.cgst, sums.sgst, sums.igst, 0, taxTotal, sums.subtotal + taxTotal, 0, randomBytes(24).toString('base64url'), null, null,
      String(entityCounter++),
      null, null, false, null, null, null, null,
      now, now,
    );
  }
  return { invoice, line };
}

/** Inserts one batch per call; `close` releases what the writer holds. */
export interface BatchWriter {
  write(invoice: unknown[], line: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL: one pooled connection per worker, BEGIN / 2 INSERTs / COMMIT. */
export async function pgWriters(url: string, workers: number, statements: BaselineStatements): Promise<BatchWriter[]> {
  const pool = new pg.Pool({ connectionString: url, max: workers, options: '-c TimeZone=UTC' });
  const clients = await Promise.all(Array.from({ length: workers }, () => pool.connect()));
  let closed = 0;
  return clients.map((client) => ({
    async write(invoice, line) {
      await client.query('begin');
      try {
        await client.query(statements.invoiceSql, invoice);
        await client.query(statements.lineSql, line);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw error;
      }
    },
    async close() {
      client.release();
      if (++closed === clients.length) await pool.end();
    },
  }));
}

/** PGlite: the server's own Kysely instance (one session, shared through its mutex). */
export function kyselyWriters(db: Kysely<any>, workers: number, statements: BaselineStatements): BatchWriter[] {
  return Array.from({ length: workers }, () => ({
    write: (invoice, line) =>
      db.transaction().execute(async (tx) => {
        await tx.executeQuery(CompiledQuery.raw(statements.invoiceSql, invoice));
        await tx.executeQuery(CompiledQuery.raw(statements.lineSql, line));
      }),
    close: async () => undefined,
  }));
}

/** Runs every writer in a loop until the deadline; returns invoices per second. */
export async function runBaseline(
  writers: BatchWriter[],
  fixture: Fixture,
  seconds: number,
  shape: { invoices: number; lines: number },
): Promise<{ invoices_per_s: number; transactions: number }> {
  let seq = 0;
  let transactions = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    writers.map(async (writer) => {
      while (performance.now() < deadline) {
        const batch = baselineBatch(fixture, shape.invoices, shape.lines, seq++);
        await writer.write(batch.invoice, batch.line);
        transactions++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { invoices_per_s: (transactions * shape.invoices) / elapsed, transactions };
}

/** Writes exactly `total` invoices (in batches of `shape.invoices`) with the writers sharing the work; returns invoices per second. */
export async function runBaselineRows(writers: BatchWriter[], fixture: Fixture, total: number, shape: { invoices: number; lines: number }): Promise<{ invoices_per_s: number }> {
  const batches = Math.ceil(total / shape.invoices);
  let next = 0;
  const start = performance.now();
  await Promise.all(
    writers.map(async (writer) => {
      for (let seq = next++; seq < batches; seq = next++) {
        const batch = baselineBatch(fixture, shape.invoices, shape.lines, seq);
        await writer.write(batch.invoice, batch.line);
      }
    }),
  );
  return { invoices_per_s: (batches * shape.invoices) / ((performance.now() - start) / 1000) };
}
