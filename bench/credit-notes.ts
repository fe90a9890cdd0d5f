/**
 * `npm run bench -- credit-notes [options]` — POST /bulk/credit-notes (50 notes per call, each
 * on its own invoice) through the real HTTP server against PostgreSQL (when it answers) and
 * on-disk PGlite, compared with raw SQL writing the same rows in one transaction per 50 notes:
 * lock the invoices, insert notes, note lines, journal entries and lines, update the invoices.
 *
 * Options: --seconds N (default 8), --concurrency N (default 4), --db both|postgresql|pglite,
 *          --pg-url URL (default $BENCH_PG_URL or postgres://postgres@127.0.0.1:5432/test; the
 *          bench uses its own database, $BENCH_DATABASE or billow_bench, on that server)
 * stdout: one JSON object per database.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { type RunningServer, startServer } from '../src/server.ts';
import { numberOption, parseArgs, stringOption } from './lib/args.ts';
import { bulkBodies, createFixture } from './lib/fixture.ts';
import { HttpClient } from './lib/http.ts';
import { percentile, round } from './lib/stats.ts';
import { ADMIN_TOKEN, benchServerConfig, reachableDatabases, type Target, withTarget } from './lib/targets.ts';

const NOTES_PER_CALL = 50;
/** Invoices to credit: enough that concurrent calls never wait on each other's invoice locks. */
const POOL = 1_000;
/** Each note credits this taxable amount of one line: lines are worth ≥ 1,000, so every line takes ≥ 20 notes. */
const AMOUNT = 50;

const log = (message: string) => process.stderr.write(`[bench credit-notes] ${message}\n`);

interface PoolInvoice {
  id: string;
  customerId: string;
  lineIds: string[];
}

async function invoicePool(client: HttpClient, token: string, fixture: Awaited<ReturnType<typeof createFixture>>): Promise<PoolInvoice[]> {
  const auth = { authorization: `Bearer ${token}` };
  const pool: PoolInvoice[] = [];
  for (const body of bulkBodies(fixture, POOL / 50, 50, 3, true)) {
    const res = await client.json('POST', '/bulk/invoices', JSON.parse(body), auth, 200);
    for (const r of res.results) pool.push({ id: r.invoice.id, customerId: r.invoice.customer_id, lineIds: r.invoice.line_items.map((l: { id: string }) => l.id) });
  }
  return pool;
}

/** The k-th call's body: 50 notes on 50 consecutive invoices of the pool, one line each. */
function callBody(pool: PoolInvoice[], k: number): string {
  const notes = Array.from({ length: NOTES_PER_CALL }, (_, i) => {
    const invoice = pool[(k * NOTES_PER_CALL + i) % pool.length] as PoolInvoice;
    const pass = Math.floor((k * NOTES_PER_CALL + i) / pool.length);
    return { invoice_id: invoice.id, reason: 'post_sale_discount', date: '2026-06-01', lines: [{ line_id: invoice.lineIds[pass % 3], amount: AMOUNT }] };
  });
  return JSON.stringify({ credit_notes: notes });
}

async function load(client: HttpClient, token: string, pool: PoolInvoice[], concurrency: number, seconds: number, first: number) {
  const latencies: number[] = [];
  let next = first;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        const res = await client.request('POST', '/bulk/credit-notes', callBody(pool, next++), { authorization: `Bearer ${token}` });
        if (res.status !== 200 || !res.body.includes(`"succeeded":${NOTES_PER_CALL}`)) throw new Error(`bulk credit notes → ${res.status}: ${res.body.slice(0, 500)}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { calls: latencies.length, latencies, next, elapsedS: (performance.now() - start) / 1000 };
}

/** The same rows by hand: one transaction per 50 notes, one statement per table. */
async function baselineBatch(server: RunningServer, businessId: string, pool: PoolInvoice[], k: number): Promise<void> {
  const now = new Date().toISOString();
  const invoices = Array.from({ length: NOTES_PER_CALL }, (_, i) => pool[(k * NOTES_PER_CALL + i) % pool.length] as PoolInvoice);
  const notes = invoices.map((inv, i) => ({ id: randomUUID(), inv, number: `BL-${k}-${i}`, entry: randomUUID() }));
  const json = (rows: object[]) => JSON.stringify(rows);
  await server.database.db.transaction().execute(async (tx) => {
    await sql`select id from invoices where business_id = ${businessId} and id = any(${invoices.map((i) => i.id)}::text[]) order by id for update`.execute(tx);
    await sql`insert into credit_notes (business_id, id, kind, number, invoice_id, customer_id, currency, date, status, reason, memo, subtotal, cgst, sgst, igst, tax, tax_total, total, pre_payment_amount, refund_amount, credit_amount, out_of_band_amount, hosted_token, created_at)
      select ${businessId}, r.id, 'credit_note', r.number, r.invoice_id, r.customer_id, 'INR', '2026-06-01', 'issued', 'other', null, ${AMOUNT}, 0, 0, 0, 0, 0, ${AMOUNT}, ${AMOUNT}, 0, 0, 0, r.token, ${now}::timestamptz
      from json_to_recordset(${json(notes.map((n) => ({ id: n.id, number: n.number, invoice_id: n.inv.id, customer_id: n.inv.customerId, token: randomBytes(24).toString('base64url') })))}::json)
        as r(id text, number text, invoice_id text, customer_id text, token text)`.execute(tx);
    await sql`insert into credit_note_lines (business_id, note_id, id, position, invoice_line_id, name, tax_rate, taxable, cgst, sgst, igst, tax, tax_total, total)
      select ${businessId}, r.note_id, r.id, 0, r.line_id, 'Line', 0, ${AMOUNT}, 0, 0, 0, 0, 0, ${AMOUNT}
      from json_to_recordset(${json(notes.map((n) => ({ note_id: n.id, id: randomUUID(), line_id: n.inv.lineIds[0] })))}::json) as r(note_id text, id text, line_id text)`.execute(tx);
    await sql`insert into journal_entries (business_id, id, invoice_id, note_id, kind, memo, currency, date, created_at)
      select ${businessId}, r.id, r.invoice_id, r.note_id, 'credit_note', 'baseline', 'INR', '2026-06-01', ${now}::timestamptz
      from json_to_recordset(${json(notes.map((n) => ({ id: n.entry, invoice_id: n.inv.id, note_id: n.id })))}::json) as r(id text, invoice_id text, note_id text)`.execute(tx);
    const lines = notes.flatMap((n) => [
      { entry_id: n.entry, line_no: 1, account: '4000', debit: AMOUNT, credit: 0 },
      { entry_id: n.entry, line_no: 2, account: '1100', debit: 0, credit: AMOUNT },
    ]);
    await sql`insert into journal_lines (business_id, entry_id, line_no, account_code, debit, credit)
      select ${businessId}, r.entry_id, r.line_no, r.account, r.debit, r.credit
      from json_to_recordset(${json(lines)}::json) as r(entry_id text, line_no int, account text, debit bigint, credit bigint)`.execute(tx);
    await sql`update invoices set amount_credited = amount_credited + ${AMOUNT}, credit_pre_payment = credit_pre_payment + ${AMOUNT}, updated_at = ${now}::timestamptz
      where business_id = ${businessId} and id = any(${invoices.map((i) => i.id)}::text[])`.execute(tx);
  });
}

async function baseline(server: RunningServer, businessId: string, pool: PoolInvoice[], concurrency: number, seconds: number, first: number) {
  let next = first;
  let transactions = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await baselineBatch(server, businessId, pool, next++);
        transactions++;
      }
    }),
  );
  return { notesPerS: (transactions * NOTES_PER_CALL) / ((performance.now() - start) / 1000), next };
}

async function benchOnce(target: Target, seconds: number, concurrency: number) {
  const server = await startServer(benchServerConfig(target));
  const client = new HttpClient(server.url, concurrency);
  try {
    log(`${target.name}: fixture and ${POOL} open invoices`);
    const fixture = await createFixture(client, ADMIN_TOKEN);
    const pool = await invoicePool(client, fixture.token, fixture);
    log(`${target.name}: baseline, raw SQL × ${concurrency}, ${seconds} s`);
    const base = await baseline(server, fixture.businessId, pool, concurrency, seconds, 0);
    log(`${target.name}: POST /bulk/credit-notes × ${concurrency} clients, ${seconds} s`);
    const a = await load(client, fixture.token, pool, concurrency, seconds, base.next);
    const c1 = await load(client, fixture.token, pool, 1, Math.max(1, seconds / 2), a.next);
    const notesPerS = (a.calls * NOTES_PER_CALL) / a.elapsedS;
    return {
      database: target.name,
      seconds,
      concurrency,
      notes_per_s: round(notesPerS, 0),
      calls: a.calls,
      p50_ms: round(percentile(a.latencies, 50)),
      p99_ms: round(percentile(a.latencies, 99)),
      c1_p50_ms: round(percentile(c1.latencies, 50)),
      baseline_notes_per_s: round(base.notesPerS, 0),
      ratio: round(notesPerS / base.notesPerS, 2),
    };
  } finally {
    client.close();
    await server.stop();
  }
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const seconds = numberOption(args, 'seconds', 8, 0.5);
  const concurrency = Math.floor(numberOption(args, 'concurrency', 4, 1));
  const db = stringOption(args, 'db', 'both');
  const pgUrl = stringOption(args, 'pg-url', process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test');
  const names = db === 'both' ? ['postgresql', 'pglite'] : [db];
  for (const name of await reachableDatabases(names, pgUrl)) {
    process.stdout.write(`${JSON.stringify(await withTarget(name, pgUrl, (target) => benchOnce(target, seconds, concurrency)))}\n`);
  }
}
