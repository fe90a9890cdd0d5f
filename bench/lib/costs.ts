import fs from 'node:fs';
import { type Kysely, sql } from 'kysely';

/**
 * Resource costs that survive a noisy machine better than wall time: CPU time of this
 * process, CPU time of the PostgreSQL backends serving the database, and WAL written.
 */
export interface CostSample {
  nodeCpuMs: number;
  backendCpuMs: Map<number, number>;
  walBytes: number;
}

const CLOCK_TICKS_PER_S = 100;

function processCpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** `db` is the server's Kysely; `local` is false for PGlite (no backends to read). */
export async function sampleCosts(db: Kysely<any>, local: boolean): Promise<CostSample> {
  const wal = await sql<{ bytes: string }>`select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text as bytes`.execute(db);
  const backendCpuMs = new Map<number, number>();
  if (local) {
    const pids = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(db);
    for (const { pid } of pids.rows) {
      const ms = processCpuMs(pid);
      if (ms !== undefined) backendCpuMs.set(pid, ms);
    }
  }
  const usage = process.cpuUsage();
  return { nodeCpuMs: (usage.user + usage.system) / 1000, backendCpuMs, walBytes: Number(wal.rows[0]?.bytes ?? 0) };
}

export interface CostPerUnit {
  node_cpu_ms: number;
  pg_backend_cpu_ms: number | null;
  wal_kib: number;
}

/** Costs between two samples divided by `units` (calls or transactions). */
export function costPer(before: CostSample, after: CostSample, units: number, local: boolean): CostPerUnit {
  let backend = 0;
  for (const [pid, ms] of after.backendCpuMs) backend += ms - (before.backendCpuMs.get(pid) ?? 0);
  const r = (v: number) => Math.round(v * 100) / 100;
  return {
    node_cpu_ms: r((after.nodeCpuMs - before.nodeCpuMs) / units),
    pg_backend_cpu_ms: local ? r(backend / units) : null,
    wal_kib: r((after.walBytes - before.walBytes) / 1024 / units),
  };
}
