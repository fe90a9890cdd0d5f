import { afterAll, describe, expect, it } from 'vitest';
import { startFakeStripe } from '../../scripts/fake-stripe.ts';
import type { Json } from '../helpers/app.ts';
import { allPages, call, cleanUpChildren, PG_URL, startServer, tempDir } from '../imports/processes.ts';
import { ADMIN_TOKEN } from '../helpers/app.ts';
import { eventually } from './support.ts';

/**
 * Pushes survive SIGKILL: a server (with its in-process workers) is killed while Stripe is
 * still answering add_lines calls it already carried out; restarted on the same database, the
 * jobs resume from their last checkpoint, the same idempotency keys return Stripe's first
 * answers, and every invoice ends with exactly one Stripe invoice whose amount is its balance.
 */
afterAll(cleanUpChildren);

describe(`Stripe push kill-and-resume (${PG_URL ? 'PostgreSQL' : 'PGlite on disk'})`, () => {
  it('a server SIGKILLed while add_lines answers are in flight pushes every invoice once after restart', async () => {
    const fake = await startFakeStripe();
    fake.slow(/add_lines$/, 1_500);
    const dataDir = tempDir('billow-stripe-crash-');
    const env = { STRIPE_API_URL: fake.url, BILLOW_ADMIN_TOKEN: ADMIN_TOKEN };
    let server = await startServer(dataDir, env);
    const created = await call(server, 'POST', '/api/v1/businesses', { authorization: `Bearer ${ADMIN_TOKEN}` }, { name: 'Crash Stripe', country: 'US', currency: 'USD' });
    const auth = { authorization: `Bearer ${created.token}` };
    await call(server, 'POST', '/api/v1/customers', auth, { id: 'ct_crash', name: 'Crash Customer', currency: 'USD' });
    await call(server, 'PUT', '/api/v1/integrations/stripe', auth, { secret_key: 'sk_test_crash00000000', webhook_secret: 'whsec_crashcrashcrash', push: 'on_finalize' });
    const invoice = { customer_id: 'ct_crash', line_items: [{ name: 'Part', quantity: 3, unit_price: 333, tax_rate: 7.5 }], auto_approve: true };
    const bulk = await call(server, 'POST', '/bulk/invoices', auth, { invoices: Array.from({ length: 12 }, () => invoice) });
    const ids = (bulk.results as Json[]).map((r) => r.invoice.id as string);

    await eventually(async () => fake.requests.filter((r) => r.path.endsWith('/add_lines')).length >= 3, 60_000);
    server.proc.kill('SIGKILL');
    await server.exited;
    const finalizedBeforeKill = fake.requests.filter((r) => r.path.endsWith('/finalize')).length;
    expect(finalizedBeforeKill).toBeLessThan(ids.length);

    server = await startServer(dataDir, env);
    const invoices = await eventually(async () => {
      const all = await allPages(server, auth, '/api/v1/invoices');
      return all.length === ids.length && all.every((i) => i.stripe_sync?.status === 'synced') && all;
    }, 120_000);
    for (const billow of invoices) {
      const inStripe = [...fake.invoices.values()].filter((s) => s.metadata.billow_invoice_id === billow.id);
      expect(inStripe, billow.id).toHaveLength(1);
      expect(inStripe[0]?.id).toBe(billow.stripe_invoice_id);
      expect(inStripe[0]?.amount_due).toBe(billow.balance_due);
      expect(inStripe[0]?.status).toBe('open');
    }
    // Retried calls reused their keys: one distinct add_lines key per invoice, however many requests.
    const lineCalls = fake.requests.filter((r) => r.path.endsWith('/add_lines'));
    const lineKeys = new Set(lineCalls.map((r) => r.idempotencyKey));
    expect(lineKeys.size).toBe(ids.length);
    // Some add_lines the killed process never heard back from were sent again after the restart.
    expect(lineCalls.length).toBeGreaterThan(lineKeys.size);
    server.proc.kill('SIGKILL');
    await server.exited;
    await fake.close();
  }, 300_000);
});
