import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../cli/processes.ts';
import { type Cluster, createCluster, havePrivateServers } from '../helpers/private-postgres.ts';
import { type Child, call, cleanUpChildren, PG_URL, spawnServer, startWorker, tempDir, untilHealthy, workerReady } from '../imports/processes.ts';
import { BOUNDS, checkAttempts, checkDelivered, checkInvariants, loadTenant, type Receiver, runLoad, webhookReceiver, report } from './support.ts';

/**
 * Scale-out on one PostgreSQL (a private cluster): three API processes (WORKERS=false) and two
 * `billow worker` processes; load spread over the APIs; one API and one worker SIGKILLed and
 * restarted mid-load. Every event is delivered, per-endpoint order is kept, and duplicates
 * (at-least-once) are counted.
 */


let cluster: Cluster;
let receiver: Receiver;

describe.skipIf(!PG_URL || !havePrivateServers)('scale-out: 3 APIs, 2 workers, one of each killed', () => {
  beforeAll(async () => {
    cluster = await createCluster();
    receiver = await webhookReceiver();
  }, 60_000);
  afterAll(async () => {
    await cleanUpChildren();
    await receiver?.close();
    await cluster?.destroy();
  }, 60_000);

  it('every request takes effect once, every event is delivered in order', async () => {
    const dataDir = tempDir('billow-scale-');
    const env = { ...BOUNDS, DATABASE_URL: cluster.url(), WEBHOOK_ALLOW_PRIVATE: 'true' };
    const ports = [await freePort(), await freePort(), await freePort()];
    // The first API applies the migrations alone; the others and the workers find them done.
    const apis: Child[] = [await untilHealthy(spawnServer(dataDir, ports[0] as number, { ...env, WORKERS: 'false' }))];
    apis.push(...(await Promise.all(ports.slice(1).map((port) => untilHealthy(spawnServer(dataDir, port, { ...env, WORKERS: 'false' }))))));
    const workers = [startWorker(dataDir, env), startWorker(dataDir, env)];
    await Promise.all(workers.map(workerReady));

    const { auth, businessId } = await loadTenant(apis[0] as Child);
    await call(apis[0] as Child, 'POST', '/api/v1/webhook-endpoints', auth, { url: receiver.url, events: ['*'] });
    let stopped = false;
    const load = runLoad({ bases: () => apis.map((a) => a.url), auth, clients: 3, until: () => stopped });
    await sleep(3_000);
    const victim = apis[1] as Child;
    victim.proc.kill('SIGKILL');
    (workers[0] as Child).proc.kill('SIGKILL');
    await Promise.all([victim.exited, (workers[0] as Child).exited]);
    const began = Date.now();
    const worker = startWorker(dataDir, env);
    workers[0] = worker;
    [apis[1]] = await Promise.all([untilHealthy(spawnServer(dataDir, ports[1] as number, { ...env, WORKERS: 'false' })), workerReady(worker)]);
    const restartMs = Date.now() - began;
    await sleep(3_000);
    stopped = true;
    const outcome = await load;

    const attempts = checkAttempts(outcome, { allowNetworkErrors: true });
    const invariants = await checkInvariants(cluster, businessId, outcome);
    const delivery = await checkDelivered(apis[0] as Child, auth, receiver, 90_000);
    for (const api of apis) expect(api.proc.exitCode).toBeNull();
    report('scale-out', { apis: 3, workers: 2, restart_ms: restartMs, ...attempts, ...invariants, ...delivery, logical_requests: outcome.logical });
  }, 240_000);
});
