import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../cli/processes.ts';
import { type Cluster, createCluster, havePrivateServers } from '../helpers/private-postgres.ts';
import { type Child, cleanUpChildren, PG_URL, spawnServer, tempDir, untilHealthy } from '../imports/processes.ts';
import { BOUNDS, billowBackends, checkAttempts, checkInvariants, type Outcome, type OpsSample, recoveryMs, runLoad, sampleOps, slowest, loadTenant, report } from './support.ts';

/**
 * Billow under database faults (docs/RELIABILITY.md), on a private PostgreSQL cluster of this
 * test: backends terminated every 2 s, PostgreSQL restarted under load and down at start-up,
 * the API SIGKILLed, a table locked. After each: the process is up, no attempt hung past the
 * deadline, failures were 503 with Retry-After, and every invariant holds. Runs with the
 * PostgreSQL suite (DATABASE_URL set); RELIABILITY_LOCK_SECONDS lengthens the lock (40 in the bench).
 */

const LOCK_SECONDS = Number(process.env.RELIABILITY_LOCK_SECONDS ?? 8);
const TERMINATIONS = Number(process.env.RELIABILITY_TERMINATIONS ?? 5);

let cluster: Cluster;
let server: Child;
let port: number;
let dataDir: string;
const env = () => ({ DATABASE_URL: cluster.url(), ...BOUNDS });


/** Load with `clients` clients while `fault` runs; the load goes on `afterMs` past the fault's end. */
async function underLoad(clients: number, auth: Record<string, string>, fault: () => Promise<void>, afterMs = 3_000) {
  let stopped = false;
  const until = () => stopped;
  const load = runLoad({ bases: () => [server.url], auth, clients, until });
  const ops = sampleOps(server.url, until);
  await sleep(1_500);
  await fault();
  const faultEnded = Date.now();
  await sleep(afterMs);
  stopped = true;
  return { outcome: await load, samples: await ops, faultEnded };
}

function opsFigures(samples: OpsSample[], faultEnded: number) {
  // /health and /ready answer within 1 s throughout, whatever the database does.
  expect(slowest(samples), '/health or /ready took 1 s or more').toBeLessThan(1_000);
  return { slowest_ops_ms: slowest(samples), ready_recovery_ms: recoveryMs(samples, '/ready', faultEnded), health_recovery_ms: recoveryMs(samples, '/health', faultEnded) };
}

const figures = (outcome: Outcome) => ({ logical_requests: outcome.logical, invoices: outcome.succeeded, attempts: outcome.attempts.length });

describe.skipIf(!PG_URL || !havePrivateServers)('database faults (private PostgreSQL cluster)', () => {
  beforeAll(async () => {
    cluster = await createCluster();
    dataDir = tempDir('billow-faults-');
    port = await freePort();
    server = await untilHealthy(spawnServer(dataDir, port, env()));
  }, 120_000);
  afterAll(async () => {
    await cleanUpChildren();
    await cluster?.destroy();
  }, 60_000);

  it('every backend terminated every 2 s: the process stays up, the pool and LISTEN recover, failures are 503', async () => {
    const { auth, businessId } = await loadTenant(server);
    let terminated = 0;
    const { outcome, samples, faultEnded } = await underLoad(4, auth, async () => {
      for (let i = 0; i < TERMINATIONS; i++) {
        terminated += (await cluster.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = 'billow' and backend_type = 'client backend' and pid <> pg_backend_pid()")).length;
        await sleep(2_000);
      }
    });
    expect(server.proc.exitCode, server.output.join('')).toBeNull();
    expect(server.proc.signalCode).toBeNull();
    expect(terminated).toBeGreaterThan(TERMINATIONS);
    const attempts = checkAttempts(outcome, { allowNetworkErrors: false });
    const invariants = await checkInvariants(cluster, businessId, outcome);
    // The workers' LISTEN connection is back (its last statement is the LISTEN).
    const deadline = Date.now() + 15_000;
    while (!(await billowBackends(cluster)).some((b) => /^listen /i.test(b.query))) {
      if (Date.now() > deadline) throw new Error('the LISTEN connection did not come back');
      await sleep(100);
    }
    report('terminate', { terminated, ...attempts, ...invariants, ...figures(outcome), ...opsFigures(samples, faultEnded) });
  }, 120_000);

  it('PostgreSQL restarted under load: requests fail with 503 while it is down and succeed after', async () => {
    const { auth, businessId } = await loadTenant(server);
    let downMs = 0;
    const { outcome, samples, faultEnded } = await underLoad(4, auth, async () => {
      const began = Date.now();
      await cluster.stop('fast');
      await sleep(3_000);
      await cluster.start();
      downMs = Date.now() - began;
    });
    expect(server.proc.exitCode, server.output.join('')).toBeNull();
    const attempts = checkAttempts(outcome, { allowNetworkErrors: false });
    expect(attempts.statuses['503'], 'no 503 while PostgreSQL was down').toBeGreaterThan(0);
    const invariants = await checkInvariants(cluster, businessId, outcome);
    report('restart', { down_ms: downMs, ...attempts, ...invariants, ...figures(outcome), ...opsFigures(samples, faultEnded) });
  }, 120_000);

  it('started while PostgreSQL is down: it waits with backoff, /health and /ready say 503, and it starts once PostgreSQL is up', async () => {
    await cluster.stop('fast');
    const late = spawnServer(tempDir('billow-late-'), await freePort(), env());
    let upAt = Number.POSITIVE_INFINITY;
    const seen: OpsSample[] = [];
    const samples = sampleOps(late.url, () => Date.now() > upAt + 1_000, 250, seen);
    // A cold start under tsx takes seconds: wait until it listens, then leave it waiting a while.
    const listening = Date.now() + 60_000;
    while (!seen.some((s) => s.status === 503) && Date.now() < listening) await sleep(100);
    await sleep(3_000);
    expect(late.proc.exitCode, late.output.join('')).toBeNull();
    await cluster.start();
    const started = Date.now();
    await untilHealthy(late);
    upAt = Date.now();
    await samples;
    const before = seen.filter((s) => s.at < started && s.status !== 'error');
    expect(before.length, 'the port answered while the database was down').toBeGreaterThan(0);
    expect(before.every((s) => s.status === 503)).toBe(true);
    expect(slowest(seen.filter((s) => s.status !== 'error'))).toBeLessThan(1_000);
    late.proc.kill('SIGTERM');
    report('start-while-down', { start_after_postgres_up_ms: upAt - started, answers_while_down: before.length, slowest_ops_ms: slowest(before) });
  }, 120_000);

  it('the API SIGKILLed and restarted under load: every retried request took effect exactly once', async () => {
    const { auth, businessId } = await loadTenant(server);
    let restartMs = 0;
    const { outcome } = await underLoad(4, auth, async () => {
      server.proc.kill('SIGKILL');
      await server.exited;
      const began = Date.now();
      server = await untilHealthy(spawnServer(dataDir, port, env()));
      restartMs = Date.now() - began;
    });
    const attempts = checkAttempts(outcome, { allowNetworkErrors: true });
    const invariants = await checkInvariants(cluster, businessId, outcome);
    report('sigkill', { restart_ms: restartMs, ...attempts, ...invariants, ...figures(outcome) });
  }, 180_000);

  it(`a table lock held ${LOCK_SECONDS} s with 16 clients: every request ends within the bounds with 503, /health and /ready within 1 s`, async () => {
    const { auth, businessId } = await loadTenant(server);
    const holder = new pg.Client({ connectionString: cluster.url() });
    await holder.connect();
    const { outcome, samples, faultEnded } = await underLoad(16, auth, async () => {
      await holder.query('begin');
      await holder.query('lock table invoices in exclusive mode');
      await sleep(LOCK_SECONDS * 1000);
      await holder.query('commit');
    });
    await holder.end();
    const attempts = checkAttempts(outcome, { allowNetworkErrors: false });
    expect(attempts.statuses['503'], 'no 503 while the table was locked').toBeGreaterThan(0);
    const invariants = await checkInvariants(cluster, businessId, outcome);
    report('lock', { lock_seconds: LOCK_SECONDS, ...attempts, ...invariants, ...figures(outcome), ...opsFigures(samples, faultEnded) });
  }, 180_000);
});
