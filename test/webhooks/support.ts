import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { Config } from '../../src/config.ts';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { startWorkers, type Workers } from '../../src/jobs/runner.ts';
import type { Json, TestEnv } from '../helpers/app.ts';
import type { Tenant } from '../helpers/factories.ts';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: Json;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Resolves once `count` requests were answered 2xx (fails the test after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/**
 * A real HTTP receiver on 127.0.0.1, port 0. `answer` picks each response's status from the
 * request count (1-based), answered after `delayMs`; `received` keeps every request, including the refused ones.
 */
export async function startReceiver(answer: (n: number, request: Received) => number = () => 200, delayMs = 0): Promise<Receiver> {
  const received: Received[] = [];
  let accepted = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = { headers: request.headers, body, json: JSON.parse(body) as Json };
      received.push(entry);
      const status = answer(received.length, entry);
      if (status >= 200 && status < 300) accepted += 1;
      const reply = () => response.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 300 ? `status ${status}` : 'ok');
      if (delayMs > 0) setTimeout(reply, delayMs);
      else reply();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    waitFor: async (count, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      while (accepted < count) {
        if (Date.now() > deadline) throw new Error(`receiver got ${accepted} of ${count} expected deliveries`);
        await sleep(20);
      }
      return [...received];
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A clock tests can move forward (simulated downtime, retry delays). */
export interface TestClock {
  now: () => Date;
  advance(ms: number): void;
}

export function testClock(): TestClock {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => (offset += ms) };
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The real worker runner with every handler, on the test database, with an injectable clock. */
export function testWorkers(env: TestEnv, clock: TestClock, config: Partial<Config> = {}): Promise<Workers> {
  return startWorkers({ database: env.database, config: { ...env.config, ...config }, handlers: jobHandlers(), log: quiet, clock: clock.now, pollMs: 50 });
}

export async function createEndpoint(tenant: Tenant, url: string, events: string[] = ['*']): Promise<Json> {
  const response = await tenant.post('/api/v1/webhook-endpoints', { url, events, description: 'test receiver' });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

export async function deliveriesOf(tenant: Tenant, endpointId: string): Promise<Json[]> {
  const response = await tenant.get(`/api/v1/webhook-endpoints/${endpointId}/deliveries?limit=500`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items;
}

/** Polls until `check` holds (the worker runs in the background). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(25);
  }
}
