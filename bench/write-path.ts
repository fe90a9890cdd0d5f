/**
 * `npm run bench -- write-path [options]` — what each part of the bulk write costs in the
 * database, without HTTP or application code: the SQL a 50-invoice POST /bulk/invoices
 * sends, replayed through the same driver, and variants of it. Variants are interleaved
 * (round-robin, `--rounds` times) so background noise hits them alike; medians are reported.
 *
 * Options: --seconds N (per variant and round, default 3), --rounds N (default 3),
 *          --concurrency N (default 8), --db both|postgresql|pglite, --pg-url URL, --wait-idle N
 *
 * stdout: one JSON object per database: {database, concurrency, variants: {name: invoices_per_s},
 *         cpu_ms_per_50: {name: {total, pg_backend, wal_kib}}} (CPU = this process + PostgreSQL backends).
 */
import { createHash } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import pg from 'pg';
import { uuidv7 } from '../src/ids.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { numberOption, parseArgs, stringOption } from './lib/args.ts';
import {
  baselineBatch,
  baselineStatements,
  INVOICE_COLUMNS,
  INVOICE_TYPES,
  LINE_COLUMNS,
  LINE_TYPES,
  toColumns,
  unnestSql,
} from './lib/baseline.ts';
import { bulkBodies, createFixture, type Fixture } from './lib/fixture.ts';
import { HttpClient } from './lib/http.ts';
import { costPer, sampleCosts } from './lib/costs.ts';
import { median, round, waitForIdle } from './lib/stats.ts';
import { ADMIN_TOKEN, benchServerConfig, reachableDatabases, type Target, withTarget } from './lib/targets.ts';

const SHAPE = { invoices: 50, lines: 3 };
const log = (message: string) => process.stderr.write(`[bench write-path] ${message}\n`);

type Query = (text: string, params: unknown[]) => Promise<void>;

/** A connection that runs a callback; the variant decides where BEGIN/COMMIT go. */
interface Session {
  run(work: (query: Query) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

async function pgSessions(url: string, count: number): Promise<Session[]> {
  const pool = new pg.Pool({ connectionString: url, max: count, options: '-c TimeZone=UTC' });
  const clients = await Promise.all(Array.from({ length: count }, () => pool.connect()));
  let closed = 0;
  return clients.map((client) => ({
    run: async (work) => {
      try {
        await work(async (text, params) => {
          await client.query(text, params);
        });
      } catch (error) {
        await client.query('rollback');
        throw error;
      }
    },
    close: async () => {
      client.release();
      if (++closed === clients.length) await pool.end();
    },
  }));
}

/** PGlite: the server's Kysely; each run holds the single session (its mutex) throughout. */
function pgliteSessions(db: Kysely<any>, count: number): Session[] {
  return Array.from({ length: count }, () => ({
    run: (work) =>
      db.connection().execute(async (conn) => {
        try {
          await work(async (text, params) => {
            await conn.executeQuery(CompiledQuery.raw(text, params));
          });
        } catch (error) {
          await conn.executeQuery(CompiledQuery.raw('rollback', []));
          throw error;
        }
      }),
    close: async () => undefined,
  }));
}

// ---------------------------------------------------------------------------------------
// The statements

const EVENT_COLUMNS = ['business_id', 'id', 'type', 'payload', 'created_at'];

function valuesSql(table: string, columns: readonly string[], rows: number): string {
  const tuples = Array.from({ length: rows }, (_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
  return `insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')}`;
}

interface Context {
  fixture: Fixture;
  tokenHash: Buffer;
  /** Invoice views from a real bulk response: the data of INVOICE_CREATED events. */
  views: unknown[];
}

/** The 50 INVOICE_CREATED events plus the INVOICE_BULK_CREATED one, as the outbox writes them. */
function eventParams(ctx: Context, slim: boolean): { created: unknown[]; bulk: unknown[] } {
  const now = new Date().toISOString();
  const businessId = ctx.fixture.businessId;
  const created: unknown[] = [];
  for (let i = 0; i < SHAPE.invoices; i++) {
    const id = uuidv7();
    const view = ctx.views[i % ctx.views.length] as { id: string };
    const data = slim ? { id: view.id, object: 'invoice' } : view;
    created.push(businessId, id, 'INVOICE_CREATED', JSON.stringify({ id, type: 'INVOICE_CREATED', created_at: now, business_id: businessId, data }), now);
  }
  const id = uuidv7();
  const data = { count: SHAPE.invoices, failed: 0, batch_size: SHAPE.invoices };
  const bulk = [businessId, id, 'INVOICE_BULK_CREATED', JSON.stringify({ id, type: 'INVOICE_BULK_CREATED', created_at: now, business_id: businessId, data }), now];
  return { created, bulk };
}

const SQL = {
  ...baselineStatements(SHAPE.invoices, SHAPE.lines),
  invoiceUnnest: unnestSql('invoices', INVOICE_COLUMNS, INVOICE_TYPES),
  lineUnnest: unnestSql('invoice_lines', LINE_COLUMNS, LINE_TYPES),
  events: (table: string) => valuesSql(table, EVENT_COLUMNS, SHAPE.invoices),
  eventsAll: (table: string) => valuesSql(table, EVENT_COLUMNS, SHAPE.invoices + 1),
  event: (table: string) => valuesSql(table, EVENT_COLUMNS, 1),
  grant: `select t.id as token_id, t.hash, t.scopes, p.id as principal_id, p.name as principal_name, p.type as principal_type,
          array(select m.business_id from memberships m where m.principal_id = p.id) as business_ids
          from tokens t join principals p on p.id = t.principal_id where t.hash = $1 and t.revoked_at is null`,
  business: 'select * from businesses where id = $1',
  customers: 'select * from customers where business_id = $1 and id = any($2::text[])',
  items: 'select * from items where business_id = $1 and id = any($2::text[])',
};

interface VariantOptions {
  reads: boolean;
  savepoint: boolean;
  unnest: boolean;
  events: 'none' | 'jsonb' | 'json' | 'slim-jsonb';
  /** One INSERT for all 51 events instead of 50 + 1. */
  mergeEvents: boolean;
}

const ROWS_ONLY: VariantOptions = { reads: false, savepoint: false, unnest: false, events: 'none', mergeEvents: false };
const APP: VariantOptions = { reads: true, savepoint: true, unnest: false, events: 'jsonb', mergeEvents: false };

/** Named variants: `rows` is the bulk bench's baseline, `app` is what POST /bulk/invoices sends today. */
const VARIANTS: Record<string, VariantOptions> = {
  'rows (baseline: VALUES)': ROWS_ONLY,
  'rows (unnest)': { ...ROWS_ONLY, unnest: true },
  'rows + events jsonb (full view)': { ...ROWS_ONLY, events: 'jsonb' },
  'rows + events json (full view)': { ...ROWS_ONLY, events: 'json' },
  'rows + events jsonb (id only)': { ...ROWS_ONLY, events: 'slim-jsonb' },
  'app SQL (today)': APP,
  'app SQL, no events (no subscriber)': { ...APP, events: 'none' },
  'app SQL, no savepoint, 1 events insert': { ...APP, savepoint: false, mergeEvents: true },
  'app SQL, + unnest': { ...APP, savepoint: false, mergeEvents: true, unnest: true },
  'app SQL, + unnest + events json': { ...APP, savepoint: false, mergeEvents: true, unnest: true, events: 'json' },
};

async function transaction(query: Query, ctx: Context, v: VariantOptions, seq: number): Promise<void> {
  const { fixture } = ctx;
  const batch = baselineBatch(fixture, SHAPE.invoices, SHAPE.lines, seq);
  if (v.reads) {
    await query(SQL.grant, [ctx.tokenHash]);
    await query(SQL.business, [fixture.businessId]);
    await query(SQL.customers, [fixture.businessId, fixture.customers.map((c) => c.id)]);
    await query(SQL.items, [fixture.businessId, fixture.items.map((i) => i.id)]);
  }
  await query('begin', []);
  if (v.savepoint) await query('savepoint bulk_write', []);
  if (v.unnest) {
    await query(SQL.invoiceUnnest, toColumns(batch.invoice, INVOICE_COLUMNS.length));
    await query(SQL.lineUnnest, toColumns(batch.line, LINE_COLUMNS.length));
  } else {
    await query(SQL.invoiceSql, batch.invoice);
    await query(SQL.lineSql, batch.line);
  }
  if (v.events !== 'none') {
    const table = v.events === 'json' ? 'bench_events_json' : 'events';
    const { created, bulk } = eventParams(ctx, v.events === 'slim-jsonb');
    if (v.mergeEvents) await query(SQL.eventsAll(table), [...created, ...bulk]);
    else {
      await query(SQL.events(table), created);
      await query(SQL.event(table), bulk);
    }
  }
  if (v.savepoint) await query('release savepoint bulk_write', []);
  await query('commit', []);
}

let sequence = 1_000_000;

async function runVariant(sessions: Session[], ctx: Context, v: VariantOptions, seconds: number): Promise<{ rate: number; transactions: number }> {
  let transactions = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    sessions.map(async (session) => {
      while (performance.now() < deadline) {
        const seq = sequence++;
        await session.run((query) => transaction(query, ctx, v, seq));
        transactions++;
      }
    }),
  );
  return { rate: (transactions * SHAPE.invoices) / ((performance.now() - start) / 1000), transactions };
}

// ---------------------------------------------------------------------------------------

async function prepare(server: RunningServer): Promise<Context> {
  const client = new HttpClient(server.url, 1);
  try {
    const fixture = await createFixture(client, ADMIN_TOKEN);
    const [body] = bulkBodies(fixture, 1, SHAPE.invoices, SHAPE.lines, false);
    const response = await client.json('POST', '/bulk/invoices', JSON.parse(body as string), { authorization: `Bearer ${fixture.token}` }, 200);
    const views = (response.results as { invoice: unknown }[]).map((r) => r.invoice);
    // The events table with `json` instead of `jsonb` (same keys), for the comparison.
    await server.database.exec(
      'create table bench_events_json (business_id text not null references businesses (id), id text not null, type text not null, payload json not null, created_at timestamptz not null, primary key (business_id, id)); create index bench_events_json_created on bench_events_json (created_at, business_id, id);',
    );
    return { fixture, tokenHash: createHash('sha256').update(fixture.token, 'utf8').digest(), views };
  } finally {
    client.close();
  }
}

async function benchDatabase(target: Target, opts: { seconds: number; rounds: number; concurrency: number }) {
  const server = await startServer(benchServerConfig(target));
  const sessions = target.databaseUrl ? await pgSessions(target.databaseUrl, opts.concurrency) : pgliteSessions(server.database.db, opts.concurrency);
  try {
    const ctx = await prepare(server);
    for (const v of Object.values(VARIANTS)) await runVariant(sessions, ctx, v, 0.5); // warm-up
    const local = target.databaseUrl !== undefined;
    const results = new Map<string, { rates: number[]; cpu: number[]; backend: number[]; wal: number[] }>();
    for (let r = 1; r <= opts.rounds; r++) {
      for (const [name, v] of Object.entries(VARIANTS)) {
        const before = await sampleCosts(server.database.db, local);
        const { rate, transactions } = await runVariant(sessions, ctx, v, opts.seconds);
        const cost = costPer(before, await sampleCosts(server.database.db, local), transactions, local);
        const entry = results.get(name) ?? { rates: [], cpu: [], backend: [], wal: [] };
        entry.rates.push(rate);
        entry.cpu.push(cost.node_cpu_ms + (cost.pg_backend_cpu_ms ?? 0));
        entry.backend.push(cost.pg_backend_cpu_ms ?? 0);
        entry.wal.push(cost.wal_kib);
        results.set(name, entry);
        log(`${target.name} round ${r}: ${name}: ${Math.round(rate)} invoices/s, per 50 invoices ${JSON.stringify(cost)}`);
      }
    }
    const variants = Object.fromEntries([...results].map(([name, e]) => [name, round(median(e.rates), 0)]));
    // CPU time per 50-invoice transaction (this process + PostgreSQL backends): robust to background noise.
    const cpu_ms_per_50 = Object.fromEntries(
      [...results].map(([name, e]) => [name, { total: round(median(e.cpu), 2), pg_backend: local ? round(median(e.backend), 2) : null, wal_kib: round(median(e.wal), 1) }]),
    );
    return { database: target.name, concurrency: opts.concurrency, seconds: opts.seconds, rounds: opts.rounds, variants, cpu_ms_per_50 };
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
    await server.stop();
  }
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const opts = {
    seconds: numberOption(args, 'seconds', 3, 0.5),
    rounds: Math.floor(numberOption(args, 'rounds', 3, 1)),
    concurrency: Math.floor(numberOption(args, 'concurrency', 8, 1)),
  };
  const db = stringOption(args, 'db', 'both');
  const pgUrl = stringOption(args, 'pg-url', process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test');
  const waitIdle = numberOption(args, 'wait-idle', 30, 0);
  const names = db === 'both' ? ['postgresql', 'pglite'] : [db];
  for (const name of await reachableDatabases(names, pgUrl)) {
    if (waitIdle > 0) log(`${name}: machine ${await waitForIdle(waitIdle)}% busy before start`);
    process.stdout.write(`${JSON.stringify(await withTarget(name, pgUrl, (target) => benchDatabase(target, opts)))}\n`);
  }
}
