import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `billow worker` as a child process on `databaseUrl`, allowed to deliver to loopback; resolves once it runs. */
export function startWorker(databaseUrl: string): Promise<ChildProcess> {
  const env = { ...process.env, DATABASE_URL: databaseUrl, WEBHOOK_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, ['bin/billow.js', 'worker'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('workers started')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`billow worker exited with ${code}: ${output}`)));
  });
}
