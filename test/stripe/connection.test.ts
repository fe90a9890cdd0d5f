import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { signEvent, stripeEvent } from '../../scripts/fake-stripe.ts';
import { type TestEnv, testApp } from '../helpers/app.ts';
import { expect422, expectDetail } from '../helpers/assertions.ts';
import { createBusiness } from '../helpers/factories.ts';
import { bearer, limitedToken } from '../foundation/support.ts';
import { postEvent } from './support.ts';

/** Every log line the app writes, at debug level (request lines included). */
const logged: string[] = [];
let env: TestEnv;
beforeAll(async () => {
  const base = await testApp();
  await base.app.close();
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logged.push(String(chunk));
      done();
    },
  });
  const app = await buildApp({ db: base.database.db, config: base.config, logger: { level: 'debug', stream } });
  await app.ready();
  env = { ...base, app };
});
afterAll(() => env.app.close());

const PATH = '/api/v1/integrations/stripe';
const SECRET_KEY = 'sk_live_51ConnectionTestKey00000000';
const WEBHOOK_SECRET = 'whsec_connectionTestSecret0000000000';

describe('Stripe connection', () => {
  it('PUT connects, GET shows it, DELETE disconnects: no response, log line or table holds either secret', async () => {
    const tenant = await createBusiness(env.app);
    const before = await tenant.get(PATH);
    expect(before.json()).toEqual({ connected: false, mode: null, push: null, webhook_url: `${env.config.publicUrl}/webhooks/stripe/${tenant.id}`, connected_at: null, updated_at: null });
    const put = await tenant.request('PUT', PATH, { secret_key: SECRET_KEY, webhook_secret: WEBHOOK_SECRET, push: 'on_finalize' });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ connected: true, mode: 'live', push: 'on_finalize' });
    const got = await tenant.get(PATH);
    expect(got.json()).toEqual(put.json());
    const again = await tenant.request('PUT', PATH, { secret_key: 'sk_test_51Another000000000', webhook_secret: WEBHOOK_SECRET, push: 'manual' });
    expect(again.json()).toMatchObject({ mode: 'test', push: 'manual', connected_at: put.json().connected_at });
    await tenant.request('PUT', PATH, { secret_key: SECRET_KEY, webhook_secret: WEBHOOK_SECRET, push: 'manual' });
    // An event goes through the log too (signed with the secret, which must not appear).
    const payload = JSON.stringify(stripeEvent('invoice.paid', { id: 'in_nothing', object: 'invoice', amount_paid: 1, metadata: {} }));
    expect((await postEvent(env, tenant.id, payload, signEvent(payload, WEBHOOK_SECRET))).statusCode).toBe(200);

    // The table: both secrets sealed (AES-256-GCM), neither readable.
    const rows = await sql<Record<string, unknown>>`select * from stripe_connections where business_id = ${tenant.id}`.execute(env.database.db);
    const text = JSON.stringify(rows.rows);
    for (const secret of [SECRET_KEY, WEBHOOK_SECRET, SECRET_KEY.slice(8), WEBHOOK_SECRET.slice(6)]) expect(text).not.toContain(secret);
    expect(rows.rows[0]?.secret_key).toMatch(/^sealed:v1:[0-9a-f]{12}:/);
    expect(rows.rows[0]?.webhook_secret).toMatch(/^sealed:v1:[0-9a-f]{12}:/);

    const deleted = await tenant.request('DELETE', PATH);
    expect(deleted.statusCode).toBe(204);
    expect((await tenant.get(PATH)).json().connected).toBe(false);
    expectDetail(await tenant.request('DELETE', PATH), 404);
    for (const response of [put, got, again]) {
      expect(response.body).not.toContain(SECRET_KEY);
      expect(response.body).not.toContain(WEBHOOK_SECRET);
    }
    const log = logged.join('');
    expect(log).toContain('stripe event');
    expect(log).not.toContain(SECRET_KEY);
    expect(log).not.toContain(WEBHOOK_SECRET);
    expect(log).not.toContain(SECRET_KEY.slice(8));
  });

  it('refuses bad keys, push modes and unknown fields with 422 naming the field, and writes nothing', async () => {
    const tenant = await createBusiness(env.app);
    const good = { secret_key: SECRET_KEY, webhook_secret: WEBHOOK_SECRET, push: 'manual' };
    expect422(await tenant.request('PUT', PATH, { ...good, secret_key: 'pk_live_publishable000' }), ['body', 'secret_key']);
    expect422(await tenant.request('PUT', PATH, { ...good, webhook_secret: 'not-a-secret' }), ['body', 'webhook_secret']);
    expect422(await tenant.request('PUT', PATH, { ...good, push: 'always' }), ['body', 'push']);
    expect422(await tenant.request('PUT', PATH, { ...good, colour: 'red' }), ['body', 'colour'], 'extra_forbidden');
    expect422(await tenant.request('PUT', PATH, { webhook_secret: WEBHOOK_SECRET, push: 'manual' }), ['body', 'secret_key'], 'missing');
    expect((await tenant.get(PATH)).json().connected).toBe(false);
  });

  it('needs a token (401) with the integrations scope (403), and is per business', async () => {
    const a = await createBusiness(env.app);
    const b = await createBusiness(env.app);
    expect((await env.app.inject({ method: 'GET', url: PATH })).statusCode).toBe(401);
    const { token } = await limitedToken(env, a, ['invoices.*']);
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const response = await env.app.inject({ method, url: PATH, headers: bearer(token), payload: method === 'PUT' ? { secret_key: SECRET_KEY, webhook_secret: WEBHOOK_SECRET, push: 'manual' } : undefined });
      expect(expectDetail(response, 403)).toMatch(/integrations\./);
    }
    const reader = await limitedToken(env, a, ['integrations.READ']);
    expect((await env.app.inject({ method: 'GET', url: PATH, headers: bearer(reader.token) })).statusCode).toBe(200);
    expect((await a.request('PUT', PATH, { secret_key: SECRET_KEY, webhook_secret: WEBHOOK_SECRET, push: 'manual' })).statusCode).toBe(200);
    expect((await b.get(PATH)).json().connected).toBe(false);
    expectDetail(await b.request('DELETE', PATH), 404);
    expect((await a.get(PATH)).json().connected).toBe(true);
    // a's token cannot pick b's business.
    expect((await env.app.inject({ method: 'GET', url: PATH, headers: { ...bearer(a.token), 'x-business-id': b.id } })).statusCode).toBe(403);
  });

  it('webhook endpoint secrets are sealed in the table too, and still sign deliveries', async () => {
    const tenant = await createBusiness(env.app);
    const created = (await tenant.post('/api/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook', events: ['*'] })).json();
    const rotated = (await tenant.post(`/api/v1/webhook-endpoints/${created.id}/rotate-secret`)).json();
    const rows = await sql<Record<string, unknown>>`select * from webhook_endpoints where business_id = ${tenant.id}`.execute(env.database.db);
    const text = JSON.stringify(rows.rows);
    expect(text).not.toContain(created.secret.slice(6));
    expect(text).not.toContain(rotated.secret.slice(6));
    expect(rows.rows[0]?.secret).toMatch(/^sealed:v1:/);
    expect(rows.rows[0]?.previous_secret).toMatch(/^sealed:v1:/);
  });
});
