import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaintenance } from '../../src/jobs/maintenance.ts';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { expect422, expectDetail } from '../helpers/assertions.ts';
import { createBusiness, type Tenant } from '../helpers/factories.ts';
import { limitedToken } from '../foundation/support.ts';
import { expectBulkOk, fixture, invoiceEntry } from '../bulk/support.ts';

// Endpoints here point at a port nothing listens on, and the businesses that own them emit
// no events: this file runs no worker, and leaves no work for the workers of other files.
const URL_ = 'http://127.0.0.1:9/hook';
const PATH = '/api/v1/webhook-endpoints';

let env: TestEnv;
let tenant: Tenant;
let other: Tenant;
beforeAll(async () => {
  env = await testApp();
  [tenant, other] = await Promise.all([createBusiness(env.app), createBusiness(env.app)]);
});
afterAll(() => env.app.close());

async function create(t: Tenant, body: Json = {}): Promise<Json> {
  const response = await t.post(PATH, { url: URL_, events: ['INVOICE_CREATED'], ...body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

describe('webhook endpoints API', () => {
  it('creates an endpoint and shows its secret once', async () => {
    const response = await tenant.post(PATH, { url: URL_, events: ['INVOICE_CREATED', 'INVOICE_BULK_CREATED'], description: 'ERP' }, { 'idempotency-key': 'wh-1' });
    expect(response.statusCode, response.body).toBe(201);
    const created = response.json();
    expect(created).toMatchObject({ url: URL_, events: ['INVOICE_CREATED', 'INVOICE_BULK_CREATED'], description: 'ERP', disabled: false, disabled_reason: null });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(32);
    const fetched = await tenant.get(`${PATH}/${created.id}`);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(Object.fromEntries(Object.entries(created).filter(([k]) => k !== 'secret')));
    // A replay does not reveal the secret again: the idempotency record never held it.
    const replay = await tenant.post(PATH, { url: URL_, events: ['INVOICE_CREATED', 'INVOICE_BULK_CREATED'], description: 'ERP' }, { 'idempotency-key': 'wh-1' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toMatchObject({ id: created.id, secret: '[redacted]' });
  });

  it('accepts "*" and refuses unknown event names, bad URLs and unknown fields with 422', async () => {
    expect((await create(tenant, { events: ['*'] })).events).toEqual(['*']);
    expect422(await tenant.post(PATH, { url: URL_, events: ['INVOICE_CREATED', 'INVOICE_EXPLODED'] }), ['body', 'events', 1], 'validation.invalid');
    expect422(await tenant.post(PATH, { url: URL_, events: [] }), ['body', 'events'], 'too_short');
    expect422(await tenant.post(PATH, { events: ['*'] }), ['body', 'url'], 'missing');
    expect422(await tenant.post(PATH, { url: 'ftp://example.com/x', events: ['*'] }), ['body', 'url'], 'validation.invalid');
    expect422(await tenant.post(PATH, { url: 'not a url', events: ['*'] }), ['body', 'url'], 'validation.invalid');
    expect422(await tenant.post(PATH, { url: 'https://u:p@example.com/', events: ['*'] }), ['body', 'url'], 'validation.invalid');
    expect422(await tenant.post(PATH, { url: URL_, events: ['*'], colour: 'red' }), ['body', 'colour'], 'extra_forbidden');
  });

  it('refuses private, loopback and link-local URLs without WEBHOOK_ALLOW_PRIVATE', async () => {
    const strict = await testApp({ webhookAllowPrivate: false });
    try {
      const t = await createBusiness(strict.app);
      for (const url of ['http://127.0.0.1:8080/', 'http://localhost/x', 'http://10.1.2.3/', 'http://169.254.169.254/latest', 'http://[::1]/', 'http://192.168.0.10/']) {
        expect422(await t.post(PATH, { url, events: ['*'] }), ['body', 'url'], 'validation.invalid');
      }
      const ok = await t.post(PATH, { url: 'https://hooks.example.com/billow', events: ['*'] });
      expect(ok.statusCode, ok.body).toBe(201);
    } finally {
      await strict.app.close();
    }
  });

  it('lists endpoints newest first without secrets, keyset-paged', async () => {
    const t = await createBusiness(env.app);
    const [a, b, c] = [await create(t), await create(t), await create(t)];
    const first = await t.get(`${PATH}?limit=2`);
    expect(first.statusCode).toBe(200);
    const page = first.json();
    expect(page.items.map((e: Json) => e.id)).toEqual([c.id, b.id]);
    expect(page.items.every((e: Json) => !('secret' in e))).toBe(true);
    const second = (await t.get(`${PATH}?limit=2&cursor=${page.next_cursor}`)).json();
    expect(second.items.map((e: Json) => e.id)).toEqual([a.id]);
    expect(second.has_next).toBe(false);
    expect422(await t.get(`${PATH}?cursor=garbage`), ['query', 'cursor']);
  });

  it('updates url, events, description and disabled', async () => {
    const endpoint = await create(tenant);
    const response = await tenant.request('PATCH', `${PATH}/${endpoint.id}`, { url: 'https://example.com/new', events: ['*'], description: null, disabled: true });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ url: 'https://example.com/new', events: ['*'], description: null, disabled: true, disabled_reason: 'disabled by the API' });
    const enabled = (await tenant.request('PATCH', `${PATH}/${endpoint.id}`, { disabled: false })).json();
    expect(enabled).toMatchObject({ disabled: false, disabled_reason: null });
    expect422(await tenant.request('PATCH', `${PATH}/${endpoint.id}`, {}), ['body'], 'minProperties');
    expect422(await tenant.request('PATCH', `${PATH}/${endpoint.id}`, { events: ['NOPE'] }), ['body', 'events', 0], 'validation.invalid');
  });

  it('rotates the secret: a new one, the old one signing for 24 more hours', async () => {
    const endpoint = await create(tenant);
    const before = Date.now();
    const response = await tenant.post(`${PATH}/${endpoint.id}/rotate-secret`);
    expect(response.statusCode, response.body).toBe(200);
    const rotated = response.json();
    expect(rotated.id).toBe(endpoint.id);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(endpoint.secret);
    const overlap = Date.parse(rotated.previous_secret_expires_at) - before;
    expect(overlap).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(overlap).toBeLessThan(24 * 3600_000 + 60_000);
  });

  it('deletes an endpoint', async () => {
    const endpoint = await create(tenant);
    const response = await tenant.request('DELETE', `${PATH}/${endpoint.id}`);
    expect(response.statusCode).toBe(204);
    expectDetail(await tenant.get(`${PATH}/${endpoint.id}`), 404);
    expectDetail(await tenant.request('DELETE', `${PATH}/${endpoint.id}`), 404);
  });

  it("answers 404 for another business's endpoint and deliveries, on every route", async () => {
    const mine = await create(tenant);
    const id = mine.id;
    expectDetail(await other.get(`${PATH}/${id}`), 404);
    expectDetail(await other.request('PATCH', `${PATH}/${id}`, { disabled: true }), 404);
    expectDetail(await other.request('DELETE', `${PATH}/${id}`), 404);
    expectDetail(await other.post(`${PATH}/${id}/rotate-secret`), 404);
    expectDetail(await other.get(`${PATH}/${id}/deliveries`), 404);
    expectDetail(await other.post(`${PATH}/${id}/deliveries/01890000-0000-7000-8000-000000000000/retry`), 404);
    expectDetail(await tenant.post(`${PATH}/${id}/deliveries/01890000-0000-7000-8000-000000000000/retry`), 404);
    expect((await other.get(PATH)).json().items.some((e: Json) => e.id === id)).toBe(false);
    expect((await tenant.get(`${PATH}/${id}`)).json().disabled).toBe(false);
  });

  it('needs a token (401) with the webhooks scope (403)', async () => {
    expectDetail(await env.app.inject({ method: 'GET', url: PATH }), 401);
    expectDetail(await env.app.inject({ method: 'POST', url: PATH, payload: { url: URL_, events: ['*'] } }), 401);
    const { token } = await limitedToken(env, tenant, ['invoices.*']);
    const headers = { authorization: `Bearer ${token}` };
    expectDetail(await env.app.inject({ method: 'GET', url: PATH, headers }), 403);
    expectDetail(await env.app.inject({ method: 'POST', url: PATH, headers, payload: { url: URL_, events: ['*'] } }), 403);
    expectDetail(await env.app.inject({ method: 'GET', url: '/api/v1/events', headers }), 403);
  });
});

describe('event log API', () => {
  it('lists every event newest first, filters by type and created range, pages both ways, and gets one', async () => {
    const f = await fixture(await createBusiness(env.app));
    expectBulkOk(await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f), invoiceEntry(f)] }), 'invoices', 2, 2);
    const middle = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expectBulkOk(await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f, { auto_approve: true })] }), 'invoices', 1, 1);

    const all = (await f.tenant.get('/api/v1/events')).json();
    expect(all.items.map((e: Json) => e.type)).toEqual(['INVOICE_BULK_CREATED', 'INVOICE_APPROVED', 'INVOICE_CREATED', 'INVOICE_BULK_CREATED', 'INVOICE_CREATED', 'INVOICE_CREATED']);
    expect(all).toMatchObject({ total: null, has_next: false, has_prev: false, next_cursor: null });
    expect(new Set(all.items.map((e: Json) => e.id)).size).toBe(6);
    for (const e of all.items) {
      expect(Object.keys(e).sort()).toEqual(['business_id', 'created_at', 'data', 'id', 'type']);
      expect(e.business_id).toBe(f.tenant.id);
    }
    expect(all.items[0].data).toEqual({ count: 1, failed: 0, batch_size: 1 });

    const created = (await f.tenant.get('/api/v1/events?type=INVOICE_CREATED')).json();
    expect(created.items.map((e: Json) => e.id)).toEqual(all.items.filter((e: Json) => e.type === 'INVOICE_CREATED').map((e: Json) => e.id));
    const after = (await f.tenant.get(`/api/v1/events?created_after=${middle}`)).json();
    expect(after.items.map((e: Json) => e.id)).toEqual(all.items.slice(0, 3).map((e: Json) => e.id));
    const before = (await f.tenant.get(`/api/v1/events?created_before=${middle}`)).json();
    expect(before.items.map((e: Json) => e.id)).toEqual(all.items.slice(3).map((e: Json) => e.id));

    const ids: string[] = [];
    let page = (await f.tenant.get('/api/v1/events?limit=4')).json();
    ids.push(...page.items.map((e: Json) => e.id));
    expect(page.has_next).toBe(true);
    page = (await f.tenant.get(`/api/v1/events?limit=4&cursor=${page.next_cursor}`)).json();
    ids.push(...page.items.map((e: Json) => e.id));
    expect(ids).toEqual(all.items.map((e: Json) => e.id));
    const back = (await f.tenant.get(`/api/v1/events?limit=4&cursor=${page.prev_cursor}`)).json();
    expect(back.items.map((e: Json) => e.id)).toEqual(ids.slice(0, 4));

    const one = await f.tenant.get(`/api/v1/events/${all.items[1].id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(all.items[1]);
  });

  it('answers 404 for unknown, malformed and other businesses’ event ids, 422 for a bad cursor or date', async () => {
    const f = await fixture(await createBusiness(env.app));
    expectBulkOk(await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f)] }), 'invoices', 1, 1);
    const [event] = (await f.tenant.get('/api/v1/events')).json().items;
    expectDetail(await other.get(`/api/v1/events/${event.id}`), 404);
    expectDetail(await f.tenant.get(`/api/v1/events/${event.id.replace(/\.\d+$/, '.0042')}`), 404);
    expectDetail(await f.tenant.get('/api/v1/events/not-an-event'), 404);
    expect((await other.get('/api/v1/events')).json().items).toEqual([]);
    expect422(await f.tenant.get('/api/v1/events?cursor=bad'), ['query', 'cursor']);
    expect422(await f.tenant.get('/api/v1/events?created_after=yesterday'), ['query', 'created_after']);
  });

  it('keeps events EVENT_RETENTION_DAYS: housekeeping drops older ones', async () => {
    const f = await fixture(await createBusiness(env.app));
    expectBulkOk(await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f)] }), 'invoices', 1, 1);
    const [oldBatch] = (await f.tenant.get('/api/v1/events')).json().items.map((e: Json) => e.id.split('.')[0]);
    await sql`update event_batches set created_at = now() - interval '31 days' where business_id = ${f.tenant.id}`.execute(env.database.db);
    expectBulkOk(await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f)] }), 'invoices', 1, 1);
    const { eventBatchesPurged } = await runMaintenance(env.database, { eventRetentionDays: 30 });
    expect(eventBatchesPurged).toBeGreaterThanOrEqual(1);
    const left = (await f.tenant.get('/api/v1/events')).json().items;
    expect(left.map((e: Json) => e.type)).toEqual(['INVOICE_BULK_CREATED', 'INVOICE_CREATED']);
    expect(left.some((e: Json) => e.id.startsWith(oldBatch))).toBe(false);
  });
});
