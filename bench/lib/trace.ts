import { PGlite } from '@electric-sql/pglite';
import { median, round } from './stats.ts';
import pg from 'pg';

/**
 * Observes every statement the application sends, from outside src/: the prototype methods
 * the pg pool and our PGlite dialect call are wrapped once; recording is off unless a
 * profile segment turns it on, so measured phases pay only a boolean check.
 */
export interface TracedQuery {
  label: string;
  start: number;
  end: number;
}

let recording: TracedQuery[] | undefined;
let installed = false;

/** "insert invoices", "select customers", "begin", "savepoint", … */
export function labelOf(text: string): string {
  const sql = text.trim().replace(/\s+/g, ' ').toLowerCase();
  const insert = /^insert into "?(\w+)"?/.exec(sql);
  if (insert) return `insert ${insert[1]}`;
  const update = /^update "?(\w+)"?/.exec(sql);
  if (update) return `update ${update[1]}`;
  const del = /^delete from "?(\w+)"?/.exec(sql);
  if (del) return `delete ${del[1]}`;
  if (sql.startsWith('select')) {
    // The table of the outer query: strip parenthesized sub-queries first.
    let outer = sql;
    for (let prev = ''; prev !== outer; ) {
      prev = outer;
      outer = outer.replace(/\([^()]*\)/g, '');
    }
    const from = /\bfrom "?(\w+)"?/.exec(outer);
    return `select ${from ? from[1] : '(expression)'}`;
  }
  if (sql.startsWith('release savepoint')) return 'release savepoint';
  if (sql.startsWith('rollback to savepoint')) return 'rollback to savepoint';
  return sql.split(' ')[0] ?? sql;
}

function wrap(proto: any, name: string): void {
  const original = proto[name] as (...args: unknown[]) => unknown;
  proto[name] = function traced(this: unknown, ...args: unknown[]) {
    const log = recording;
    // Callback-style calls (pg internals) are passed through untouched.
    if (!log || typeof args[args.length - 1] === 'function') return original.apply(this, args);
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
    const entry: TracedQuery = { label: labelOf(text), start: performance.now(), end: Number.NaN };
    log.push(entry);
    const result = original.apply(this, args) as Promise<unknown>;
    return result.finally(() => {
      entry.end = performance.now();
    });
  };
}

export function installTracer(): void {
  if (installed) return;
  installed = true;
  wrap(pg.Client.prototype, 'query');
  wrap(PGlite.prototype, 'query');
}

/** Records the statements issued while `work` runs. */
export async function traced<T>(work: () => Promise<T>): Promise<{ result: T; queries: TracedQuery[] }> {
  const queries: TracedQuery[] = [];
  recording = queries;
  try {
    return { result: await work(), queries };
  } finally {
    recording = undefined;
  }
}

/** Milliseconds during which at least one statement was in flight (parallel ones counted once). */
export function busyTime(queries: readonly TracedQuery[]): number {
  const spans = queries.filter((q) => Number.isFinite(q.end)).sort((a, b) => a.start - b.start);
  let total = 0;
  let cursorStart = Number.NaN;
  let cursorEnd = Number.NaN;
  for (const q of spans) {
    if (!(q.start <= cursorEnd)) {
      if (Number.isFinite(cursorEnd)) total += cursorEnd - cursorStart;
      cursorStart = q.start;
      cursorEnd = q.end;
    } else cursorEnd = Math.max(cursorEnd, q.end);
  }
  if (Number.isFinite(cursorEnd)) total += cursorEnd - cursorStart;
  return total;
}

export interface StatementProfile {
  calls: number;
  statements_per_call: number;
  call_ms_p50: number;
  db_busy_ms_p50: number;
  outside_db_ms_p50: number;
  statements: { statement: string; per_call: number; ms_per_call: number }[];
}

/**
 * Runs `call` `calls` times, one after another, and reports the statements each issued: how
 * many of each kind and how long they were in flight, and the time in and outside the database.
 */
export async function statementProfile(calls: number, call: (i: number) => Promise<unknown>): Promise<StatementProfile> {
  installTracer();
  const perCall: { total: number; busy: number; queries: TracedQuery[] }[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    const { queries } = await traced(() => call(i));
    perCall.push({ total: performance.now() - start, busy: busyTime(queries), queries });
  }
  const byLabel = new Map<string, { count: number; ms: number }>();
  for (const q of perCall.flatMap((c) => c.queries)) {
    const entry = byLabel.get(q.label) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += q.end - q.start;
    byLabel.set(q.label, entry);
  }
  const perCallOf = (n: number) => round(n / calls, 2);
  return {
    calls,
    statements_per_call: perCallOf(perCall.reduce((s, c) => s + c.queries.length, 0)),
    call_ms_p50: round(median(perCall.map((c) => c.total)), 2),
    db_busy_ms_p50: round(median(perCall.map((c) => c.busy)), 2),
    outside_db_ms_p50: round(median(perCall.map((c) => c.total - c.busy)), 2),
    statements: [...byLabel]
      .map(([label, e]) => ({ statement: label, per_call: perCallOf(e.count), ms_per_call: perCallOf(e.ms) }))
      .sort((x, y) => y.ms_per_call - x.ms_per_call),
  };
}
