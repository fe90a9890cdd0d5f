import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { stripePushHandler } from '../../src/jobs/stripe-push.ts';
import { startWorkers, type Workers } from '../../src/jobs/runner.ts';
import { type FakeStripe, signEvent, startFakeStripe, stripeEvent } from '../../scripts/fake-stripe.ts';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, type Tenant } from '../helpers/factories.ts';
import { eventually } from '../webhooks/support.ts';

export { eventually };

export interface StripeTestEnv extends TestEnv {
  fake: FakeStripe;
  workers: Workers;
  close(): Promise<void>;
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** An app whose Stripe SDK talks to a fake on loopback, and a worker that runs only Stripe pushes. */
export async function stripeTestEnv(options: { rateLimit?: number } = {}): Promise<StripeTestEnv> {
  const fake = await startFakeStripe({ rateLimit: options.rateLimit });
  const env = await testApp({ stripeApi: { host: '127.0.0.1', port: fake.port, protocol: 'http' } });
  const stripeEnv: StripeTestEnv = {
    ...env,
    fake,
    workers: await restartWorkers(env),
    close: async () => {
      await stripeEnv.workers.stop();
      await env.app.close();
      await fake.close();
    },
  };
  return stripeEnv;
}

/** A worker that runs only Stripe pushes (other test files' jobs on a shared PostgreSQL are theirs). */
export function restartWorkers(env: TestEnv): Promise<Workers> {
  return startWorkers({ database: env.database, config: env.config, handlers: [stripePushHandler()], log: quiet, pollMs: 50 });
}

export interface Connected {
  tenant: Tenant;
  secretKey: string;
  webhookSecret: string;
}

/** A USD business (simple tax) with a customer, connected to Stripe with fresh keys of its own. */
export async function connectedBusiness(env: TestEnv, push: 'on_finalize' | 'manual' = 'on_finalize', overrides: Json = {}): Promise<Connected> {
  const tenant = await createBusiness(env.app, { country: 'US', state: null, currency: 'USD', ...overrides });
  await createCustomer(tenant, { id: 'ct_stripe', name: 'Stripe Customer', email: 'payer@example.com', state: null, currency: tenant.business.currency });
  const secretKey = `sk_test_${randomBytes(12).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const response = await tenant.request('PUT', '/api/v1/integrations/stripe', { secret_key: secretKey, webhook_secret: webhookSecret, push });
  expect(response.statusCode, response.body).toBe(200);
  return { tenant, secretKey, webhookSecret };
}

/**
 * Three lines of 5 minor units at 10 %: per line the tax 0.5 rounds up to 1 (3 in all), where
 * rounding the whole invoice's tax would make 1.5 → 2. Plus one ordinary line.
 */
export const roundingLines = () => [
  { name: 'Sticker', unit_price: 5, quantity: 1, tax_rate: 10 },
  { name: 'Sticker', unit_price: 5, quantity: 1, tax_rate: 10 },
  { name: 'Sticker', unit_price: 5, quantity: 1, tax_rate: 10 },
  { name: 'Consulting', unit_price: 12_345, quantity: '1.5', tax_rate: 7.25 },
];

export async function finalizedInvoice(tenant: Tenant, lines: Json[] = roundingLines()): Promise<Json> {
  const response = await tenant.post('/api/v1/invoices', { customer_id: 'ct_stripe', date: '2026-12-01', due_date: '2099-12-31', line_items: lines, auto_approve: true });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

export async function invoiceOf(tenant: Tenant, id: string): Promise<Json> {
  const response = await tenant.get(`/api/v1/invoices/${id}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** Waits until the invoice's push ended (synced or failed) and returns the invoice. */
export async function settledPush(tenant: Tenant, id: string): Promise<Json> {
  return eventually(async () => {
    const invoice = await invoiceOf(tenant, id);
    return invoice.stripe_sync && invoice.stripe_sync.status !== 'pending' ? invoice : undefined;
  });
}

/** Posts a Stripe event to the business's webhook route, signed with `secret` (or a given header). */
export function postEvent(env: TestEnv, businessId: string, payload: string, signature: string): Promise<LightMyRequestResponse> {
  return env.app.inject({ method: 'POST', url: `/webhooks/stripe/${businessId}`, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature }, payload });
}

export async function sendEvent(env: TestEnv, c: Connected, type: string, object: Json, id?: string): Promise<Json> {
  const payload = JSON.stringify(stripeEvent(type, object, id));
  const response = await postEvent(env, c.tenant.id, payload, signEvent(payload, c.webhookSecret));
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}
