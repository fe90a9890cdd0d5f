import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `billow worker` as a child process on `databaseUrl`, allowed to deliver to loopback; resolves once it runs.
 * BENCH_WORKER_NODE_ARGS adds Node flags (e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile delivery).
 */
export function startWorker(databaseUrl: string): Promise<ChildProcess> {
  const env = { ...process.env, DATABASE_URL: databaseUrl, WEBHOOK_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'warn' };
  const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, 'bin/billow.js', 'worker'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('workers started')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`billow worker exited with ${code}: ${output}`)));
  });
}
