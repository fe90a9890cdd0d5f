/**
 * `npm run bench -- fuzz [--runs N] [--pg-url URL]` — the long form of the contract-driven fuzz
 * (test/fuzz/contract.test.ts): every operation of /openapi.json with N generated requests
 * (default 200; `npm test` runs 3), on PGlite, and on PostgreSQL when --pg-url is given (a
 * database the run may wipe, as for `npm test`).
 *
 * Baseline, in the same run: the bounded form (3 runs per operation), so the figure is the long
 * form's time per run relative to it.
 *
 * stdout: one JSON object per database. stderr: vitest's output.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { numberOption, parseArgs, stringOption } from './lib/args.ts';
import { round } from './lib/stats.ts';

function fuzz(runs: number, databaseUrl: string | undefined): { ok: boolean; seconds: number } {
  const env: NodeJS.ProcessEnv = { ...process.env, FUZZ_RUNS: String(runs) };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  const began = performance.now();
  const result = spawnSync('npx', ['vitest', 'run', 'test/fuzz/contract.test.ts'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  return { ok: result.status === 0, seconds: (performance.now() - began) / 1000 };
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const runs = numberOption(args, 'runs', 200);
  const pgUrl = stringOption(args, 'pg-url', '');
  for (const url of [undefined, ...(pgUrl ? [pgUrl] : [])]) {
    const baseline = fuzz(3, url);
    const long = fuzz(runs, url);
    const perRun = (r: { seconds: number }, n: number) => r.seconds / n;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'fuzz',
        database: url ? 'postgres' : 'pglite',
        runs_per_operation: runs,
        passed: baseline.ok && long.ok,
        seconds: round(long.seconds, 1),
        baseline_seconds: round(baseline.seconds, 1),
        ratio_per_run: round(perRun(long, runs) / perRun(baseline, 3), 3),
        loadavg: os.loadavg().map((l) => round(l, 2)),
      })}\n`,
    );
    if (!long.ok) process.exitCode = 1;
  }
}
