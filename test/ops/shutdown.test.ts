import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUp, freePort, newScratch, type Server, startServer, TIMEOUT, tempDataDir } from '../cli/processes.ts';

// `npm start` as a real child process, on PostgreSQL when DATABASE_URL is set, else PGlite on disk.
const scratch = newScratch();
afterAll(() => cleanUp(scratch));
const ADMIN = 'ops-admin-token-0123456789abcdefghijkl';

async function call(base: string, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', connection: 'close' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

/** Sends all of a POST but its last byte; `finish()` sends it and resolves with the response. */
function slowPost(base: string, path: string, token: string, body: unknown) {
  const payload = Buffer.from(JSON.stringify(body));
  const url = new URL(path, base);
  const request = http.request(url, {
    method: 'POST',
    agent: false,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': payload.length },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
  });
  request.write(payload.subarray(0, -1));
  return {
    finish: () => {
      request.end(payload.subarray(-1));
      return response;
    },
  };
}

function exitCode(server: Server): Promise<number | null> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve(server.child.exitCode);
    server.child.once('exit', (code) => resolve(code));
  });
}

describe('SIGTERM', () => {
  it('lets a 50-invoice bulk call in flight finish and respond, refuses new connections, then exits 0', { timeout: 2 * TIMEOUT }, async () => {
    const extra: Record<string, string> = { BILLOW_ADMIN_TOKEN: ADMIN, BILLOW_SEED_DEMO: 'false', LOG_LEVEL: 'info' };
    if (process.env.DATABASE_URL) extra.DATABASE_URL = process.env.DATABASE_URL;
    const server = await startServer(scratch, tempDataDir(scratch), await freePort(), extra);
    const business = { name: 'Shutdown Traders', country: 'IN', state: 'IN-MH', currency: 'INR' };
    const created = await call(server.base, 'POST', '/api/v1/businesses', ADMIN, business);
    expect(created.status).toBe(201);
    const token = created.json.token as string;
    expect((await call(server.base, 'POST', '/api/v1/customers', token, { id: 'ct_acme', name: 'Acme', state: 'IN-MH' })).status).toBe(201);
    expect((await call(server.base, 'POST', '/api/v1/items', token, { id: 'it_widget', name: 'Widget', unit_price: 1000, tax_rate: 18 })).status).toBe(201);
    const ready = await fetch(`${server.base}/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: { workers: string } }).checks.workers).toBe('ok');

    const entry = { customer_id: 'ct_acme', place_of_supply: 'IN-MH', line_items: [{ item_id: 'it_widget', quantity: 1 }], auto_approve: true };
    const inFlight = slowPost(server.base, '/bulk/invoices', token, { invoices: Array.from({ length: 50 }, () => entry) });
    // The request has reached the server (its headers are in) when the signal arrives.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = exitCode(server);
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(fetch(`${server.base}/health`)).rejects.toThrow();

    const response = await inFlight.finish();
    expect(response.status, response.body).toBe(200);
    const body = JSON.parse(response.body);
    expect(body.summary).toEqual({ total: 50, succeeded: 50, failed: 0 });
    expect(await exited).toBe(0);
    // JSON log lines (stdout is not a terminal), none per request at the default level.
    const logLines = server.output().split('\n').filter((line) => line.startsWith('{'));
    for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();
    expect(server.output()).not.toMatch(/incoming request|request completed|request done/);
  });
});
