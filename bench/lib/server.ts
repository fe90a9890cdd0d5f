import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { ADMIN_TOKEN, type Target } from './targets.ts';

/** The real server as its own process (`npm start`), and COPY baselines, for the import benchmarks (csv, bank). */

export interface Server {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The node flags of `npm start` (package.json), so the measured server runs as users run it. */
export function startFlags(): string[] {
  const start = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const match = /^node ((?:--[\w-]+=\S+ )*)--import tsx src\/main\.ts$/.exec(start);
  if (!match) throw new Error(`package.json start is not "node [flags] --import tsx src/main.ts": ${start}`);
  return (match[1] as string).split(' ').filter(Boolean);
}

/** `npm start` for a target, on a free port, with `extra` variables; resolves when the banner is printed. */
export function startServerProcess(target: Target, extra: Record<string, string>, maxOldSpaceMb?: number): Promise<Server> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    BILLOW_DATA_DIR: target.dataDir,
    BILLOW_ADMIN_TOKEN: ADMIN_TOKEN,
    BILLOW_SEED_DEMO: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    ...extra,
  };
  delete env.DATABASE_URL;
  if (target.databaseUrl) env.DATABASE_URL = target.databaseUrl;
  const flags = startFlags().filter((f) => !(maxOldSpaceMb && f.startsWith('--max-old-space-size=')));
  if (maxOldSpaceMb) flags.push(`--max-old-space-size=${maxOldSpaceMb}`);
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Billow is listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve({ child, url: `http://127.0.0.1:${new URL(match[1]).port}`, exited });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      onData(chunk);
      if (output.length > 100_000) output = output.slice(-10_000);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

export async function stopServerProcess(server: Server): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
  await server.exited;
}

/** Resident memory of a process, from /proc (Linux). */
export function rssOf(pid: number | undefined): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** A CSV file of rows for one table, COPYed as the baseline of an import. */
export interface CopyTable {
  table: string;
  columns: readonly string[];
  file: string;
}

const copySql = (t: CopyTable, source: string) => `copy ${t.table} (${t.columns.join(', ')}) from ${source} with (format csv)`;

/** COPY through psql's \copy on PostgreSQL, all tables in one transaction; seconds. */
export function copyPostgres(url: string, tables: CopyTable[]): number {
  const start = performance.now();
  const commands = tables.flatMap((t) => ['-c', `\\${copySql(t, `'${t.file}'`)}`]);
  const result = spawnSync('psql', [url, '-q', '-1', '-v', 'ON_ERROR_STOP=1', ...commands], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql COPY failed: ${result.stderr}`);
  return (performance.now() - start) / 1000;
}

/** COPY from a blob on PGlite (the server is stopped, so this process owns its data directory); seconds. */
export async function copyPglite(dataDir: string, tables: CopyTable[]): Promise<number> {
  const pglite = await PGlite.create({ dataDir: path.join(dataDir, 'db') });
  try {
    const start = performance.now();
    await pglite.transaction(async (tx) => {
      for (const t of tables) await tx.query(copySql(t, "'/dev/blob'"), [], { blob: new Blob([fs.readFileSync(t.file)]) });
    });
    return (performance.now() - start) / 1000;
  } finally {
    await pglite.close();
  }
}

/** Samples a process's resident memory every 100 ms until stopped; `peak` is the highest seen. */
export function sampleRss(pid: number | undefined): { peak: () => number; stop: () => void } {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 100);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}
