import { randomBytes } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import pg from 'pg';
import { uuidv7 } from '../../src/ids.ts';
import { ACCOUNTS } from '../../src/domain/ledger.ts';
import { INVOICE_COLUMNS, LINE_COLUMNS } from './baseline.ts';

/**
 * The baseline POST /invoices/bulk is compared with: the rows one call writes — invoices
 * (finalized: number, entity id, order id), their lines, journal entries and lines, outbox
 * events, the orders marked invoiced and (in the main variant) the counter rows — written by
 * plain multi-row statements in one transaction per call, through the same driver. What it
 * leaves out is the application's work: reading and locking the orders, pricing, HTTP, JSON.
 */
export interface BenchOrder {
  id: string;
  customer_id: string;
  customer_name: string;
  place_of_supply: string;
  line_items: { id: string; item_id: string; name: string; description: string; hsn_code: string; quantity: number; unit_price: number; tax_rate: number }[];
}

const ENTRY_COLUMNS = ['business_id', 'id', 'invoice_id', 'kind', 'memo', 'currency', 'date', 'created_at'];
const JOURNAL_LINE_COLUMNS = ['business_id', 'entry_id', 'line_no', 'account_code', 'debit', 'credit'];

function valuesSql(table: string, columns: readonly string[], rows: number, casts: Record<string, string> = {}): string {
  const tuples = Array.from({ length: rows }, (_, r) => `(${columns.map((c, i) => `$${r * columns.length + i + 1}${casts[c] ?? ''}`).join(', ')})`);
  return `insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')}`;
}

export interface Statement {
  sql: string;
  params: unknown[];
}

let counter = 50_000_000;

interface Built {
  invoice: unknown[];
  lines: unknown[][];
  entry: unknown[] | undefined;
  journal: unknown[][];
  events: unknown[][];
}

function buildInvoice(businessId: string, order: BenchOrder, finalize: boolean, now: string): Built {
  const id = uuidv7();
  const intra = order.place_of_supply === 'IN-MH';
  const sums = { subtotal: 0, cgst: 0, sgst: 0, igst: 0 };
  const lines = order.line_items.map((l, j) => {
    const amount = l.quantity * l.unit_price;
    const cgst = intra ? Math.round((amount * l.tax_rate) / 200) : 0;
    const igst = intra ? 0 : Math.round((amount * l.tax_rate) / 100);
    sums.subtotal += amount;
    sums.cgst += cgst;
    sums.sgst += cgst;
    sums.igst += igst;
    const taxTotal = 2 * cgst + igst;
    return [businessId, id, uuidv7(), j, l.item_id, l.name, l.description, l.hsn_code, `${l.quantity}.0000`, l.unit_price, null, null, `${l.tax_rate}.0000`, amount, 0, amount, cgst, cgst, igst, 0, taxTotal, amount + taxTotal];
  });
  const taxTotal = sums.cgst + sums.sgst + sums.igst;
  const total = sums.subtotal + taxTotal;
  const seq = counter++;
  const invoice = [
    businessId, id, 'invoice', finalize ? 'open' : 'draft', order.customer_id, null, order.customer_name, null, finalize ? `BL-${seq}` : null, null,
    'INR', '2026-05-12', '2026-06-11', order.place_of_supply, intra ? 'intra' : 'inter', null, null, sums.subtotal, 0,
    sums.cgst, sums.sgst, sums.igst, 0, taxTotal, total, 0, randomBytes(24).toString('base64url'), order.id, null, String(seq),
    null, null, false, null, null, finalize ? now : null, null, now, now,
  ];
  const entryId = uuidv7();
  const postings: [string, number, number][] = [[ACCOUNTS.receivable, total, 0], [ACCOUNTS.revenue, 0, sums.subtotal]];
  if (intra) postings.push([ACCOUNTS.outputCgst, 0, sums.cgst], [ACCOUNTS.outputSgst, 0, sums.sgst]);
  else postings.push([ACCOUNTS.outputIgst, 0, sums.igst]);
  const payload = (type: string) => JSON.stringify({ id: uuidv7(), type, created_at: now, business_id: businessId, data: { invoice, lines } });
  const events = [[businessId, uuidv7(), 'INVOICE_CREATED', payload('INVOICE_CREATED'), now]];
  if (finalize) events.push([businessId, uuidv7(), 'INVOICE_APPROVED', payload('INVOICE_APPROVED'), now]);
  return {
    invoice,
    lines,
    entry: finalize ? [businessId, entryId, id, 'invoice_finalized', `Invoice BL-${seq}`, 'INR', '2026-05-12', now] : undefined,
    journal: finalize ? postings.filter(([, d, c]) => d + c > 0).map(([account, debit, credit], i) => [businessId, entryId, i + 1, account, debit, credit]) : [],
    events,
  };
}

/**
 * The counter rows a call writes (entity ids; invoice numbers when finalizing), as the
 * application writes them: first in the transaction, locked until it commits.
 */
function counterStatements(businessId: string, count: number, finalize: boolean): Statement[] {
  const upsert = (series: string) => ({
    sql: `insert into number_series (business_id, series, period, last_value) values ($1, $2, '', $3)
          on conflict (business_id, series, period) do update set last_value = number_series.last_value + excluded.last_value returning last_value`,
    params: [businessId, series, count],
  });
  return finalize ? [upsert('entity'), upsert('invoice')] : [upsert('entity')];
}

/**
 * The statements of one baseline transaction invoicing `orders`; with `counters`, the
 * counter rows too (which serializes transactions of one business, as in the application).
 */
export function baselineCall(businessId: string, orders: BenchOrder[], finalize: boolean, counters: boolean): Statement[] {
  const now = new Date().toISOString();
  const built = orders.map((o) => buildInvoice(businessId, o, finalize, now));
  const all = <T>(pick: (b: Built) => T[]) => built.flatMap(pick);
  const lines = all((b) => b.lines);
  const entries = all((b) => (b.entry ? [b.entry] : []));
  const journal = all((b) => b.journal);
  const events = [...all((b) => b.events), [businessId, uuidv7(), 'INVOICE_BULK_CREATED', JSON.stringify({ count: orders.length }), now]];
  const statements: Statement[] = [
    ...(counters ? counterStatements(businessId, orders.length, finalize) : []),
    { sql: valuesSql('invoices', INVOICE_COLUMNS, built.length), params: all((b) => b.invoice) },
    { sql: valuesSql('invoice_lines', LINE_COLUMNS, lines.length), params: lines.flat() },
  ];
  if (entries.length > 0) {
    statements.push({ sql: valuesSql('journal_entries', ENTRY_COLUMNS, entries.length), params: entries.flat() });
    statements.push({ sql: valuesSql('journal_lines', JOURNAL_LINE_COLUMNS, journal.length), params: journal.flat() });
  }
  // One outbox row per transaction, as emitEvents writes it (types + one JSON array of the events).
  statements.push({
    sql: 'insert into event_batches (business_id, id, created_at, types, data) values ($1, $2, $3, $4::text[], $5::json)',
    params: [businessId, uuidv7(), now, events.map((e) => e[2]), `[${events.map((e) => e[3]).join(',')}]`],
  });
  const pairs = built.map((_, i) => `($${2 * i + 4}, $${2 * i + 5})`).join(', ');
  statements.push({
    sql: `update orders o set status = 'invoiced', invoice_id = v.invoice_id, invoiced_by = $2::jsonb, updated_at = $3
          from (values ${pairs}) as v(id, invoice_id) where o.business_id = $1 and o.id = v.id`,
    params: [businessId, JSON.stringify({ id: 'bench', name: 'Bench', type: 'api' }), now, ...built.flatMap((b, i) => [orders[i]?.id, b.invoice[1]])],
  });
  return statements;
}

export interface TransactionRunner {
  run(statements: Statement[]): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL: one pooled connection per worker, BEGIN / statements / COMMIT. */
export async function pgRunners(url: string, workers: number): Promise<TransactionRunner[]> {
  const pool = new pg.Pool({ connectionString: url, max: workers, options: '-c TimeZone=UTC' });
  const clients = await Promise.all(Array.from({ length: workers }, () => pool.connect()));
  let closed = 0;
  return clients.map((client) => ({
    async run(statements) {
      await client.query('begin');
      try {
        for (const s of statements) await client.query(s.sql, s.params);
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
export function kyselyRunners(db: Kysely<any>, workers: number): TransactionRunner[] {
  return Array.from({ length: workers }, () => ({
    run: (statements) =>
      db.transaction().execute(async (tx) => {
        for (const s of statements) await tx.executeQuery(CompiledQuery.raw(s.sql, s.params));
      }),
    close: async () => undefined,
  }));
}
