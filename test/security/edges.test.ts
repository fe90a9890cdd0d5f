import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureLimiter } from '../../src/http/auth.ts';
import { ADMIN_TOKEN, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem } from '../helpers/factories.ts';

/** Failed authentication limited per address, /metrics behind a token, headers of hosted pages and PDFs. */

const METRICS_TOKEN = 'metrics-token-0123456789abcdefghijklmn';

describe('failed authentication is rate-limited per client address', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testApp({ authFailuresPerMinute: 5 });
  });
  afterAll(() => env.app.close());

  const guess = (token: string, remoteAddress: string) =>
    env.app.inject({ method: 'POST', url: '/api/v1/businesses', remoteAddress, headers: { authorization: `Bearer ${token}` }, payload: { name: 'X', country: 'US', currency: 'USD' } });

  it('answers 429 with Retry-After after 5 failures from one address, even to the right admin token; other addresses are unaffected', async () => {
    for (let i = 0; i < 5; i++) expect((await guess(`wrong-${i}`, '203.0.113.7')).statusCode).toBe(401);
    const blocked = await guess(ADMIN_TOKEN, '203.0.113.7');
    expect(blocked.statusCode, blocked.body).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(blocked.json().detail).toMatch(/failed authentications/);
    // A tenant token from the same address is refused too: the block is on the address.
    const tenant = await createBusiness(env.app);
    const read = await env.app.inject({ method: 'GET', url: '/api/v1/customers', remoteAddress: '203.0.113.7', headers: tenant.headers });
    expect(read.statusCode).toBe(429);
    expect((await guess(ADMIN_TOKEN, '203.0.113.8')).statusCode).toBe(201);
    // Public routes stay public.
    expect((await env.app.inject({ method: 'GET', url: '/health', remoteAddress: '203.0.113.7' })).statusCode).toBe(200);
  });

  it('does not count requests that present no credential: they guess nothing', async () => {
    for (let i = 0; i < 10; i++) {
      const bare = await env.app.inject({ method: 'GET', url: '/api/v1/customers', remoteAddress: '203.0.113.9' });
      expect(bare.statusCode).toBe(401);
    }
    expect((await guess(ADMIN_TOKEN, '203.0.113.9')).statusCode).toBe(201);
  });

  it('opens again when the minute is over', () => {
    let now = 0;
    const limiter = new FailureLimiter(2, () => now);
    limiter.record('a');
    limiter.record('a');
    expect(limiter.retryAfter('a')).toBe(60);
    now = 30_500;
    expect(limiter.retryAfter('a')).toBe(30);
    now = 60_000;
    expect(limiter.retryAfter('a')).toBe(0);
    limiter.record('a');
    expect(limiter.retryAfter('a')).toBe(0);
  });
});

describe('GET /metrics needs METRICS_TOKEN', () => {
  it('with METRICS_TOKEN: 401 without it or with a wrong one, 200 with it', async () => {
    const env = await testApp({ metricsToken: METRICS_TOKEN });
    try {
      expect((await env.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect((await env.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
      const ok = await env.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '198.51.100.4', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('billow_http_request');
    } finally {
      await env.app.close();
    }
  });

  it('without METRICS_TOKEN: loopback clients only', async () => {
    const env = await testApp();
    try {
      expect((await env.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
      expect((await env.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '::1' })).statusCode).toBe(200);
      const remote = await env.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '198.51.100.4' });
      expect(remote.statusCode).toBe(403);
      expect(remote.json().detail).toMatch(/METRICS_TOKEN/);
    } finally {
      await env.app.close();
    }
  });
});

describe('hosted page and PDF headers', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testApp();
  });
  afterAll(() => env.app.close());

  it('the hosted page, its PDF and the API PDF forbid framing, sniffing, referrers and caching', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomer(tenant, { id: 'ct_a', name: 'Acme', state: 'IN-MH' });
    await createItem(tenant, { id: 'it_w', name: 'Widget', unit_price: 100_000, tax_rate: 18 });
    const created = await tenant.post('/api/v1/invoices', { customer_id: 'ct_a', date: '2026-05-12T00:00:00', place_of_supply: 'IN-MH', line_items: [{ item_id: 'it_w', quantity: 1 }], auto_approve: true });
    expect(created.statusCode, created.body).toBe(201);
    const invoice = created.json();
    const page = new URL(invoice.hosted_invoice_url).pathname;
    const responses = {
      page: await env.app.inject({ method: 'GET', url: page }),
      pdf: await env.app.inject({ method: 'GET', url: `${page}/pdf` }),
      api: await tenant.get(`/api/v1/invoices/${invoice.id}/pdf`),
    };
    for (const [name, response] of Object.entries(responses)) {
      expect(response.statusCode, name).toBe(200);
      expect(response.headers['content-security-policy'], name).toMatch(/frame-ancestors 'none'/);
      expect(response.headers['x-content-type-options'], name).toBe('nosniff');
      expect(response.headers['referrer-policy'], name).toBe('no-referrer');
      expect(response.headers['cache-control'], name).toBe('private, no-store');
    }
    expect(responses.page.headers['content-security-policy']).toMatch(/default-src 'none'/);
  });
});
