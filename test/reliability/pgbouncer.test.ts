import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../cli/processes.ts';
import { type Bouncer, type Cluster, createCluster, havePrivateServers, startPgBouncer } from '../helpers/private-postgres.ts';
import { type Child, call, cleanUpChildren, PG_URL, spawnServer, tempDir, untilHealthy } from '../imports/processes.ts';
import { BOUNDS, checkAttempts, checkDelivered, checkInvariants, loadTenant, type Receiver, runLoad, webhookReceiver, report } from './support.ts';

/**
 * Billow behind Debian's PgBouncer (1.18) on loopback, in front of a private cluster: no startup
 * parameter it refuses, no session state relied on, LISTEN on DATABASE_DIRECT_URL in
 * transaction mode (and a loud error without it), a PgBouncer restart under load survived.
 */

const NO_NOTIFY = 'NOTIFY does not reach this process';

let cluster: Cluster;
const receivers: Receiver[] = [];
const bouncers: Bouncer[] = [];

async function serveThrough(bouncer: Bouncer, extra: Record<string, string> = {}): Promise<Child> {
  const env = { ...BOUNDS, DATABASE_URL: bouncer.url, WEBHOOK_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'info', ...extra };
  return untilHealthy(spawnServer(tempDir('billow-bouncer-'), await freePort(), env));
}

/** A tenant with an endpoint subscribed to every event, a few seconds of load, `during` at half time. */
async function loadThrough(server: Child, during: () => Promise<void>) {
  const receiver = await webhookReceiver();
  receivers.push(receiver);
  const { auth, businessId } = await loadTenant(server);
  await call(server, 'POST', '/api/v1/webhook-endpoints', auth, { url: receiver.url, events: ['*'] });
  let stopped = false;
  const load = runLoad({ bases: () => [server.url], auth, clients: 4, until: () => stopped });
  await sleep(2_000);
  await during();
  await sleep(3_000);
  stopped = true;
  const outcome = await load;
  return { outcome, auth, businessId, receiver };
}

describe.skipIf(!PG_URL || !havePrivateServers)('behind PgBouncer (private cluster)', () => {
  beforeAll(async () => {
    cluster = await createCluster();
  }, 60_000);
  afterAll(async () => {
    await cleanUpChildren();
    for (const r of receivers) await r.close();
    for (const b of bouncers) await b.stop().catch(() => undefined);
    await cluster?.destroy();
  }, 60_000);

  it('transaction mode with DATABASE_DIRECT_URL: works, delivers through NOTIFY, and survives a PgBouncer restart under load', async () => {
    const bouncer = await startPgBouncer(cluster, 'transaction');
    bouncers.push(bouncer);
    const server = await serveThrough(bouncer, { DATABASE_DIRECT_URL: cluster.url() });
    const { outcome, auth, businessId, receiver } = await loadThrough(server, () => bouncer.restart());
    expect(server.proc.exitCode, server.output.join('')).toBeNull();
    const attempts = checkAttempts(outcome, { allowNetworkErrors: false });
    const invariants = await checkInvariants(cluster, businessId, outcome);
    const delivery = await checkDelivered(server, auth, receiver);
    expect(server.output.join('')).not.toContain(NO_NOTIFY);
    report('pgbouncer-transaction', { ...attempts, ...invariants, ...delivery, logical_requests: outcome.logical });
  }, 180_000);

  it('transaction mode without DATABASE_DIRECT_URL: a loud error that notifications cannot arrive; delivery still happens by polling', async () => {
    const bouncer = await startPgBouncer(cluster, 'transaction');
    bouncers.push(bouncer);
    const server = await serveThrough(bouncer);
    const deadline = Date.now() + 30_000;
    while (!server.output.join('').includes(NO_NOTIFY)) {
      if (Date.now() > deadline) throw new Error(`no warning:\n${server.output.join('')}`);
      await sleep(200);
    }
    const { outcome, auth, businessId, receiver } = await loadThrough(server, async () => undefined);
    await checkInvariants(cluster, businessId, outcome);
    await checkDelivered(server, auth, receiver);
  }, 180_000);

  it('session mode: works, NOTIFY arrives through PgBouncer itself, survives a restart', async () => {
    const bouncer = await startPgBouncer(cluster, 'session');
    bouncers.push(bouncer);
    const server = await serveThrough(bouncer);
    const { outcome, auth, businessId, receiver } = await loadThrough(server, () => bouncer.restart());
    const attempts = checkAttempts(outcome, { allowNetworkErrors: false });
    const invariants = await checkInvariants(cluster, businessId, outcome);
    const delivery = await checkDelivered(server, auth, receiver);
    expect(server.output.join('')).not.toContain(NO_NOTIFY);
    report('pgbouncer-session', { ...attempts, ...invariants, ...delivery, logical_requests: outcome.logical });
  }, 180_000);
});
