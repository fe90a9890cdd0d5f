import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Helpers for tests that run Billow as real child processes on an embedded PGlite database
 * on disk. DATABASE_URL is removed even when the suite runs on PostgreSQL: these tests are
 * about the zero-setup path of `npm install && npm start` and the `billow` CLI.
 */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'billow.js');
export const TIMEOUT = 60_000;

/** Temporary data directories and live children of this test file, for `cleanUp`. */
export interface Scratch {
  dirs: string[];
  children: Set<ChildProcess>;
}

export const newScratch = (): Scratch => ({ dirs: [], children: new Set() });

export function cleanUp(scratch: Scratch): void {
  for (const child of scratch.children) child.kill('SIGKILL');
  for (const dir of scratch.dirs) fs.rmSync(dir, { recursive: true, force: true });
}

export function tempDataDir(scratch: Scratch): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-cli-'));
  scratch.dirs.push(dir);
  return dir;
}

function childEnv(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BILLOW_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra };
  for (const name of ['DATABASE_URL', 'PORT', 'HOST', 'BILLOW_SEED_DEMO', 'BILLOW_ADMIN_TOKEN']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

function track(scratch: Scratch, child: ChildProcess): ChildProcess {
  scratch.children.add(child);
  child.once('exit', () => scratch.children.delete(child));
  return child;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/billow.js …` to completion (killed if it outlives the test timeout). */
export function billow(scratch: Scratch, args: string[], dataDir: string, extra: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = childEnv(dataDir, extra);
    const child = track(scratch, spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT - 5_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Server {
  child: ChildProcess;
  /** http://127.0.0.1:PORT (the banner says localhost, which may resolve to ::1 first). */
  base: string;
  output: () => string;
}

/**
 * `npm start` without npm: the same entry point under tsx; resolves once the banner is printed.
 * `extra` variables are passed as given (e.g. DATABASE_URL, which is otherwise removed).
 */
export function startServer(scratch: Scratch, dataDir: string, port: number, extra: Record<string, string> = {}, startMs = TIMEOUT - 10_000): Promise<Server> {
  const env = childEnv(dataDir, { PORT: String(port), HOST: '127.0.0.1', ...extra });
  const child = track(scratch, spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not print its banner in time:\n${output}`));
    }, startMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Billow is listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] && output.includes('API docs:')) {
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${new URL(match[1]).port}`, output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
}

/** SIGTERM, then the exit code once the process is gone. */
export function stopServer(server: Server): Promise<number | null> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve(server.child.exitCode);
    server.child.once('exit', (code) => resolve(code));
    server.child.kill('SIGTERM');
  });
}
