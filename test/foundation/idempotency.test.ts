import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, type Tenant } from '../helpers/factories.ts';
import { bearer, countOf, expect422, expectDetail, limitedToken } from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

const CUSTOMERS = '/api/v1/customers';
const key = () => `key-${randomUUID()}`;
const withKey = (k: string) => ({ 'idempotency-key': k });

describe('Idempotency-Key on POST /api/v1/customers', () => {
  let tenant: Tenant;
  beforeEach(async () => {
    tenant = await createBusiness(env.app);
  });

  it('replays the same request: same status, byte-identical body, Idempotent-Replayed header, one customer', async () => {
    const k = key();
    const body = { name: 'Replayed Ltd', email: 'r@example.com' };
    const first = await tenant.post(CUSTOMERS, body, withKey(k));
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const second = await tenant.post(CUSTOMERS, body, withKey(k));
    expect(second.statusCode).toBe(201);
    expect(second.body).toBe(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['content-type']).toBe(first.headers['content-type']);

    const third = await tenant.post(CUSTOMERS, body, withKey(k));
    expect(third.body).toBe(first.body);
    expect(await countOf(tenant, CUSTOMERS)).toBe(1);
  });

  it('refuses the same key with a different body with 422 and does nothing', async () => {
    const k = key();
    const first = await tenant.post(CUSTOMERS, { id: 'ct_first', name: 'First' }, withKey(k));
    expect(first.statusCode).toBe(201);
    const other = await tenant.post(CUSTOMERS, { id: 'ct_second', name: 'Second' }, withKey(k));
    expect(other.statusCode, other.body).toBe(422);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expectDetail(await tenant.get(`${CUSTOMERS}/ct_second`), 404);
    expect(await countOf(tenant, CUSTOMERS)).toBe(1);
    // The original request still replays.
    expect((await tenant.post(CUSTOMERS, { id: 'ct_first', name: 'First' }, withKey(k))).body).toBe(first.body);
  });

  it('refuses the same key on another path with 422', async () => {
    const k = key();
    const body = { name: 'Same body' };
    expect((await tenant.post(CUSTOMERS, body, withKey(k))).statusCode).toBe(201);
    const vendor = await tenant.post('/api/v1/vendors', body, withKey(k));
    expect(vendor.statusCode, vendor.body).toBe(422);
    expect(await countOf(tenant, '/api/v1/vendors')).toBe(0);
  });

  it('accepts keys of 1 and 255 printable characters', async () => {
    expect((await tenant.post(CUSTOMERS, { name: 'One' }, withKey('x'))).statusCode).toBe(201);
    const long = `${'k'.repeat(250)} ~!@#`;
    expect(long).toHaveLength(255);
    expect((await tenant.post(CUSTOMERS, { name: 'Long' }, withKey(long))).statusCode).toBe(201);
    expect((await tenant.post(CUSTOMERS, { name: 'Long' }, withKey(long))).headers['idempotent-replayed']).toBe('true');
  });

  it.each([
    ['256 characters', 'k'.repeat(256)],
    ['a control character', 'abc\u0001def'],
    ['a tab', 'abc\tdef'],
    ['a DEL character', 'abc\u007fdef'],
    ['an empty key', ''],
  ])('refuses a key of %s with 400 and creates nothing', async (_label, k) => {
    const response = await tenant.post(CUSTOMERS, { name: 'Refused' }, withKey(k));
    expectDetail(response, 400);
    expect(await countOf(tenant, CUSTOMERS)).toBe(0);
  });

  it('replays a 4xx answer too (duplicate id → 409), even after the conflict is gone', async () => {
    expect((await tenant.post(CUSTOMERS, { id: 'ct_dup', name: 'Original' })).statusCode).toBe(201);
    const k = key();
    const conflict = await tenant.post(CUSTOMERS, { id: 'ct_dup', name: 'Copy' }, withKey(k));
    expectDetail(conflict, 409);
    expect((await tenant.request('DELETE', `${CUSTOMERS}/ct_dup`)).statusCode).toBe(204);
    const replayed = await tenant.post(CUSTOMERS, { id: 'ct_dup', name: 'Copy' }, withKey(k));
    expect(replayed.statusCode).toBe(409);
    expect(replayed.body).toBe(conflict.body);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expectDetail(await tenant.get(`${CUSTOMERS}/ct_dup`), 404);
  });

  it('does not let a key collide across businesses', async () => {
    const other = await createBusiness(env.app);
    const k = key();
    const body = { id: 'ct_shared_key', name: 'Shared key' };
    const inA = await tenant.post(CUSTOMERS, body, withKey(k));
    const inB = await other.post(CUSTOMERS, body, withKey(k));
    expect(inA.statusCode).toBe(201);
    expect(inB.statusCode, inB.body).toBe(201);
    expect(inB.headers['idempotent-replayed']).toBeUndefined();
    expect(await countOf(tenant, CUSTOMERS)).toBe(1);
    expect(await countOf(other, CUSTOMERS)).toBe(1);
  });

  it('does not let a key collide across principals of one business', async () => {
    const { token } = await limitedToken(env, tenant, ['customers.*']);
    const k = key();
    const body = { name: 'Two principals' };
    const asOwner = await tenant.post(CUSTOMERS, body, withKey(k));
    const asApi = await env.app.inject({ method: 'POST', url: CUSTOMERS, headers: { ...bearer(token), ...withKey(k) }, payload: body });
    expect(asOwner.statusCode).toBe(201);
    expect(asApi.statusCode, asApi.body).toBe(201);
    expect(asApi.headers['idempotent-replayed']).toBeUndefined();
    expect(asApi.json().id).not.toBe(asOwner.json().id);
    expect(await countOf(tenant, CUSTOMERS)).toBe(2);
  });

  it('does not consume the key on a request refused by schema validation', async () => {
    // As at Stripe: a request that fails validation never started executing, so the client
    // may fix it and retry under the same key.
    const k = key();
    expect422(await tenant.post(CUSTOMERS, { name: 'Bad', colour: 'red' }, withKey(k)), ['body', 'colour'], 'extra_forbidden');
    const fixed = await tenant.post(CUSTOMERS, { name: 'Good' }, withKey(k));
    expect(fixed.statusCode, fixed.body).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
    expect(await countOf(tenant, CUSTOMERS)).toBe(1);
  });

  it('10 concurrent requests with one key: one customer, each answer 201 or 409, never 500', async () => {
    const k = key();
    const body = { name: 'Concurrent', email: 'c@example.com' };
    const responses = await Promise.all(Array.from({ length: 10 }, () => tenant.post(CUSTOMERS, body, withKey(k))));
    const statuses = responses.map((r) => r.statusCode);
    for (const response of responses) expect([201, 409], response.body).toContain(response.statusCode);
    const originals = responses.filter((r) => r.statusCode === 201 && r.headers['idempotent-replayed'] === undefined);
    expect(originals, JSON.stringify(statuses)).toHaveLength(1);
    const created = originals[0]?.json() as Json;
    for (const response of responses.filter((r) => r.statusCode === 201)) expect(response.json().id).toBe(created.id);
    for (const response of responses.filter((r) => r.statusCode === 409)) expectDetail(response, 409);
    expect(await countOf(tenant, CUSTOMERS)).toBe(1);
    // Afterwards the key replays the one stored answer.
    const after = await tenant.post(CUSTOMERS, body, withKey(k));
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(after.json().id).toBe(created.id);
  });

  it('10 concurrent requests with distinct keys create 10 customers', async () => {
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => tenant.post(CUSTOMERS, { name: `Parallel ${i}` }, withKey(key()))));
    for (const response of responses) expect(response.statusCode, response.body).toBe(201);
    expect(await countOf(tenant, CUSTOMERS)).toBe(10);
  });
});

describe('Idempotency-Key on POST /api/v1/businesses (admin)', () => {
  it('replays the creation without the token (stored only as a hash) and creates one business', async () => {
    const name = `Idempotent business ${randomUUID()}`;
    const headers = { ...bearer(ADMIN_TOKEN), ...withKey(key()) };
    const payload = { name, country: 'US', currency: 'USD' };
    const first = await env.app.inject({ method: 'POST', url: '/api/v1/businesses', headers, payload });
    const second = await env.app.inject({ method: 'POST', url: '/api/v1/businesses', headers, payload });
    expect(first.statusCode, first.body).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json().business).toEqual(first.json().business);
    expect(first.json().token).toMatch(/^bw_pat_[0-9A-Za-z]{32,}$/);
    expect(second.json().token).not.toBe(first.json().token);
    const stored = await sql<{ body: string }>`select body from idempotency_keys where body like ${`%${name}%`}`.execute(env.database.db);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]?.body).not.toContain(first.json().token);
    const rows = await sql`select id from businesses where name = ${name}`.execute(env.database.db);
    expect(rows.rows).toHaveLength(1);
  });
});
