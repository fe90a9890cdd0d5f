/** Small statistics helpers shared by the benchmarks. */

/** Nearest-rank percentile of a list of numbers (p in 0–100); NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export const round = (value: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** Whole-machine CPU counters from /proc/stat (Linux); undefined elsewhere. */
export interface CpuSample {
  busy: number;
  total: number;
}

export async function machineCpu(): Promise<CpuSample | undefined> {
  try {
    const { readFile } = await import('node:fs/promises');
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Measures what share of the machine (all cores) and of one core this process used. */
export class CpuMeter {
  private readonly startProcess = process.cpuUsage();
  private readonly startWall = performance.now();
  private constructor(private readonly startMachine: CpuSample | undefined) {}

  static async start(): Promise<CpuMeter> {
    return new CpuMeter(await machineCpu());
  }

  async stop(): Promise<{ node_cpu_pct: number; machine_cpu_pct: number | null }> {
    const usage = process.cpuUsage(this.startProcess);
    const wallMs = performance.now() - this.startWall;
    const end = await machineCpu();
    const machine =
      end && this.startMachine && end.total > this.startMachine.total
        ? (100 * (end.busy - this.startMachine.busy)) / (end.total - this.startMachine.total)
        : null;
    return {
      node_cpu_pct: round((100 * (usage.user + usage.system)) / 1000 / wallMs),
      machine_cpu_pct: machine === null ? null : round(machine),
    };
  }
}

/** Busy share (percent, all cores) of the whole machine over `ms` milliseconds; null off Linux. */
export async function machineBusy(ms: number): Promise<number | null> {
  const a = await machineCpu();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = await machineCpu();
  if (!a || !b || b.total <= a.total) return null;
  return (100 * (b.busy - a.busy)) / (b.total - a.total);
}

/**
 * Waits (at most `maxSeconds`) until other processes leave the machine mostly idle, so a run
 * does not measure someone else's test suite. Returns the last busy share seen.
 */
export async function waitForIdle(maxSeconds: number, threshold = 20): Promise<number | null> {
  const deadline = performance.now() + maxSeconds * 1000;
  let busy = await machineBusy(1000);
  while (busy !== null && busy > threshold && performance.now() < deadline) busy = await machineBusy(1000);
  return busy === null ? null : round(busy);
}
