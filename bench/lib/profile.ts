import fs from 'node:fs';
import { Session } from 'node:inspector/promises';

/** A V8 CPU profile (the .cpuprofile format) and a self-time summary of it. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Profiles this thread (server, client loop and PGlite's WASM all run here) while `work` runs. */
export async function cpuProfile<T>(work: () => Promise<T>, intervalUs = 200): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    // BENCH_CPUPROFILE=file keeps the raw profile, to open in DevTools or read line by line.
    if (process.env.BENCH_CPUPROFILE) fs.writeFileSync(process.env.BENCH_CPUPROFILE, JSON.stringify(profile));
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

/** Where a function lives: a package, a src/ file, PGlite's WASM, or a V8 pseudo-frame. */
export function categoryOf(url: string, functionName: string): string {
  if (url.startsWith('wasm://')) return 'PGlite WASM (postgres)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1] as string;
  const src = /\/(src|bench)\/(.+)$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith('node:')) return url;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native/builtin)';
  return url;
}

export interface ProfileSummary {
  total_ms: number;
  by_category: { category: string; self_ms: number; pct: number }[];
  top_functions: { function: string; where: string; self_ms: number; pct: number }[];
}

export function summarize(profile: CpuProfile, top = 20): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // The inspector's own `dispatch` (serializing the profile at Profiler.stop) is not the app's time.
  const ignored = new Set(profile.nodes.filter((n) => n.callFrame.functionName === 'dispatch' && n.callFrame.url === '').map((n) => n.id));
  profile.samples.forEach((id, i) => {
    if (!ignored.has(id)) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const categories = new Map<string, number>();
  const functions = new Map<string, { function: string; where: string; self_ms: number }>();
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const category = categoryOf(url, functionName);
    categories.set(category, (categories.get(category) ?? 0) + ms);
    const name = functionName || '(anonymous)';
    const where = url === '' ? category : `${category}:${lineNumber + 1}`;
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { function: name, where, self_ms: 0 };
    entry.self_ms += ms;
    functions.set(key, entry);
  }
  const pct = (ms: number) => Math.round((1000 * ms) / total) / 10;
  const r = (ms: number) => Math.round(ms * 10) / 10;
  return {
    total_ms: r(total),
    by_category: [...categories]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([category, ms]) => ({ category, self_ms: r(ms), pct: pct(ms) })),
    top_functions: [...functions.values()]
      .sort((a, b) => b.self_ms - a.self_ms)
      .slice(0, top)
      .map((f) => ({ ...f, self_ms: r(f.self_ms), pct: pct(f.self_ms) })),
  };
}

/**
 * Attributes each sample to the innermost frame that names a known part of the request
 * path (driver, Kysely, views, events, validation, …); native leaves are charged to their
 * caller. Idle time is left out. Result: milliseconds of this thread's CPU per call.
 */
const PHASES: { label: string; test: (category: string, fn: string) => boolean }[] = [
  { label: 'PGlite WASM (PostgreSQL itself)', test: (c) => c === 'PGlite WASM (postgres)' },
  { label: 'PGlite JS glue (params, results, fs)', test: (c) => c === '@electric-sql/pglite' },
  { label: 'pg driver (protocol, params)', test: (c) => c === 'pg' || c === 'pg-protocol' || c === 'pg-types' || c === 'pg-pool' },
  { label: 'Kysely (build + compile queries)', test: (c) => c === 'kysely' },
  { label: 'type parsers (results)', test: (c) => c === 'src/db/type-parsers.ts' },
  { label: 'outbox: events JSON.stringify', test: (c) => c === 'src/modules/events/outbox.ts' },
  { label: 'views (documentView)', test: (_c, fn) => fn === 'documentView' || fn === 'lineView' || fn === 'entryView' },
  { label: 'response serialization', test: (c, fn) => (c === 'src/http/respond.ts' && fn === 'serialize') || c === 'fast-json-stringify' || (c === 'fastify' && /serializ/i.test(fn)) },
  { label: 'write.ts (rows, counters)', test: (c) => c === 'src/modules/invoicing/write.ts' || c === 'src/modules/invoicing/numbering.ts' },
  { label: 'prepare + price', test: (c) => c === 'src/modules/invoicing/prepare.ts' || c.startsWith('src/domain/') },
  { label: 'per-item validation (Ajv)', test: (c, fn) => fn === 'checkItem' || c === 'ajv' || c === 'ajv-formats' },
  { label: 'auth', test: (c) => c === 'src/http/auth.ts' || c === 'src/modules/auth/tokens.ts' },
  { label: 'request JSON parse', test: (c) => c === 'secure-json-parse' || c === 'src/http/json-body.ts' },
  { label: 'uuidv7 + crypto', test: (c) => c === 'uuidv7' || c === 'node:crypto' },
  { label: 'bench client', test: (c) => c.startsWith('bench/') },
  { label: 'other src/', test: (c) => c.startsWith('src/') },
  { label: 'HTTP + Fastify', test: (c) => /^(fastify|@fastify\/|find-my-way|avvio|light-my-request|fast-|pino|abstract-logging)/.test(c) },
];

export function phaseBreakdown(profile: CpuProfile, calls: number): { idle_ms_per_call: number; busy_ms_per_call: number; phases: { phase: string; ms_per_call: number; pct: number }[] } {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const memo = new Map<number, string>();
  const phaseOf = (id: number): string => {
    const known = memo.get(id);
    if (known) return known;
    let label: string | undefined;
    // Node internals (sockets, streams, buffers) are charged to the package or src/ file that
    // called them; only when none did (e.g. the HTTP parser itself) do they count on their own.
    let fallback = 'other';
    for (let cur: number | undefined = id; cur !== undefined && label === undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (!frame) break;
      if (frame.functionName === '(idle)' || frame.functionName === '(garbage collector)' || frame.functionName === '(program)') {
        label = frame.functionName;
      } else if (frame.functionName === 'dispatch' && frame.url === '') {
        label = '(profiler)';
      } else {
        const category = categoryOf(frame.url, frame.functionName);
        if (category.startsWith('node:') || category === '(native/builtin)') {
          if (fallback === 'other' && /^node:(_http|net|internal\/(http|stream|streams|net))/.test(category)) fallback = 'HTTP + sockets (node internals)';
          continue;
        }
        label = PHASES.find((p) => p.test(category, frame.functionName))?.label;
      }
    }
    label ??= fallback;
    memo.set(id, label);
    return label;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const label = phaseOf(id);
    totals.set(label, (totals.get(label) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const idle = totals.get('(idle)') ?? 0;
  totals.delete('(idle)');
  totals.delete('(profiler)');
  const busy = [...totals.values()].reduce((a, b) => a + b, 0);
  const r = (v: number) => Math.round(v * 100) / 100;
  return {
    idle_ms_per_call: r(idle / calls),
    busy_ms_per_call: r(busy / calls),
    phases: [...totals]
      .sort((a, b) => b[1] - a[1])
      .map(([phase, ms]) => ({ phase, ms_per_call: r(ms / calls), pct: Math.round((1000 * ms) / busy) / 10 })),
  };
}
