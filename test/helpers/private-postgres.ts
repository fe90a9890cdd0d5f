import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * A PostgreSQL cluster of the test's own (initdb into a temporary directory, on a port in
 * 55400–55499), for the fault tests: they terminate its backends, restart it, hold locks on
 * it and put PgBouncer in front of it, which must never happen to the shared server on 5432.
 * As root, initdb and pgbouncer refuse to run, so they run as the `postgres` user.
 */

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const PGBOUNCER = '/usr/sbin/pgbouncer';

/** The binaries are there (Debian's postgresql-15 and pgbouncer): the tests that need them can run. */
export const havePrivateServers = fs.existsSync(path.join(BIN, 'initdb')) && fs.existsSync(PGBOUNCER);

const asRoot = process.getuid?.() === 0;
/** The `postgres` user's ids, for PgBouncer (a long-running child we signal directly, not through runuser). */
const serverUser = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) } : {};
const command = (file: string, args: string[]) => (asRoot ? { file: 'runuser', args: ['-u', 'postgres', '--', file, ...args] } : { file, args });

async function runAs(file: string, args: string[]): Promise<string> {
  const c = command(file, args);
  const { stdout } = await run(c.file, c.args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** A directory the server user may write in. */
async function ownedTempDir(prefix: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (asRoot) await run('chown', ['postgres:postgres', dir]);
  return dir;
}

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A free port in 55400–55499, picked at random so that test files running at once do not collide. */
export async function privatePort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = 55400 + Math.floor(Math.random() * 100);
    if (await isFree(port)) return port;
  }
  throw new Error('no free port in 55400-55499');
}

export interface Cluster {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/billow (the database Billow uses) or another database. */
  url(database?: string): string;
  start(): Promise<void>;
  /** 'fast' rolls back sessions and shuts down cleanly; 'immediate' is a crash (recovery at the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Runs SQL as the superuser on database billow (a fresh connection each time). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  destroy(): Promise<void>;
}

export async function createCluster(): Promise<Cluster> {
  const dir = await ownedTempDir('billow-pg-');
  const data = path.join(dir, 'data');
  await runAs(path.join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await privatePort();
  const url = (database = 'billow') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const cluster: Cluster = {
    port,
    url,
    start: async () => {
      await runAs(path.join(BIN, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', options, 'start']);
    },
    stop: async (mode = 'fast') => {
      await runAs(path.join(BIN, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    query: async (text, values) => {
      const client = new pg.Client({ connectionString: url() });
      client.on('error', () => undefined);
      await client.connect();
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    destroy: async () => {
      await cluster.stop('immediate').catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  const admin = new pg.Client({ connectionString: url('postgres') });
  await admin.connect();
  await admin.query('create database billow');
  await admin.end();
  return cluster;
}

export interface Bouncer {
  port: number;
  url: string;
  /** Stops PgBouncer (SIGTERM: at once, dropping every client and server connection) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Debian's PgBouncer in front of `cluster` on loopback, in `mode` pooling, with its own ini. */
export async function startPgBouncer(cluster: Cluster, mode: 'transaction' | 'session'): Promise<Bouncer> {
  const dir = await ownedTempDir('billow-pgbouncer-');
  const port = await privatePort();
  const ini = path.join(dir, 'pgbouncer.ini');
  const users = path.join(dir, 'users.txt');
  fs.writeFileSync(users, '"postgres" ""\n');
  fs.writeFileSync(
    ini,
    [
      '[databases]',
      `billow = host=127.0.0.1 port=${cluster.port} dbname=billow`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      'auth_type = trust',
      `auth_file = ${users}`,
      `pool_mode = ${mode}`,
      'default_pool_size = 20',
      'max_client_conn = 500',
      'server_reset_query =',
      `logfile = ${path.join(dir, 'log')}`,
      '',
    ].join('\n'),
  );
  if (asRoot) await run('chown', ['-R', 'postgres:postgres', dir]);
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(PGBOUNCER, [ini], { stdio: 'ignore', ...serverUser });
    const deadline = Date.now() + 15_000;
    while (!(await answers(port))) {
      if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on ${port}: ${fs.readFileSync(path.join(dir, 'log'), 'utf8')}`);
      await sleep(50);
    }
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    // SIGINT would wait for every client to leave, which a session-mode pool never does.
    running.kill('SIGTERM');
    await exited;
    while (await answers(port)) await sleep(20);
  };
  await start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/billow`,
    restart: async () => {
      await stop();
      await start();
    },
    stop: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
