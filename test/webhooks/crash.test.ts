import { afterAll, describe, expect, it } from 'vitest';
import { allPages, call, cleanUpChildren, PG_URL, startServer, tempDir, tenantOn } from '../imports/processes.ts';
import { eventually, startReceiver } from './support.ts';

/**
 * Delivery survives SIGKILL: a server process (with its in-process workers) is killed while
 * it sends a round straight from the outbox, restarted on the same database, and every event
 * reaches the receiver, with exactly one delivery row per event in the log. Only what was in
 * flight at the kill may arrive twice (at-least-once, same webhook-id).
 */

afterAll(cleanUpChildren);

const invoice = { customer_id: 'ct_a', place_of_supply: 'IN-MH', line_items: [{ name: 'Hook', quantity: 1, unit_price: 100, tax_rate: 0 }] };

describe(`webhook delivery kill-and-resume (${PG_URL ? 'PostgreSQL' : 'PGlite on disk'})`, () => {
  it('a server SIGKILLed mid-round delivers every event after restart, one log row per event', async () => {
    // A slow receiver: a round of deliveries takes seconds, so the kill lands inside one.
    const receiver = await startReceiver(() => 200, 15);
    const dataDir = tempDir('billow-webhook-crash-');
    const env = { WEBHOOK_ALLOW_PRIVATE: 'true' };
    let server = await startServer(dataDir, env);
    const auth = await tenantOn(server);
    const endpoint = await call(server, 'POST', '/api/v1/webhook-endpoints', auth, { url: receiver.url, events: ['INVOICE_CREATED'] });
    for (let i = 0; i < 4; i++) await call(server, 'POST', '/bulk/invoices', auth, { invoices: Array.from({ length: 50 }, () => invoice) });
    const events = 200;

    await eventually(async () => receiver.received.length >= 20, 60_000);
    server.proc.kill('SIGKILL');
    await server.exited;
    const beforeKill = new Set(receiver.received.map((r) => String(r.headers['webhook-id'])));
    expect(beforeKill.size).toBeLessThan(events);

    server = await startServer(dataDir, env);
    const ids = await eventually(async () => {
      const unique = new Set(receiver.received.map((r) => String(r.headers['webhook-id'])));
      return unique.size === events && unique;
    }, 120_000);
    const log = await eventually(async () => {
      const rows = await allPages(server, auth, `/api/v1/webhook-endpoints/${endpoint.id}/deliveries`);
      return rows.length === events && rows.every((d) => d.status === 'delivered') && rows;
    }, 60_000);
    expect(new Set(log.map((d) => d.event_id))).toEqual(ids);
    const seen = new Map<string, number>();
    for (const r of receiver.received) seen.set(String(r.headers['webhook-id']), (seen.get(String(r.headers['webhook-id'])) ?? 0) + 1);
    for (const [id, count] of seen) if (count > 1) expect(beforeKill.has(id), `${id} arrived ${count} times`).toBe(true);
    server.proc.kill('SIGKILL');
    await server.exited;
    await receiver.close();
  }, 300_000);
});
