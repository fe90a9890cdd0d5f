import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantMembership } from '../../src/modules/auth/tokens.ts';
import { ADMIN_TOKEN, type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, type Tenant } from '../helpers/factories.ts';
import { bearer, expect422, expectDetail, limitedToken } from './support.ts';
import { LOOKUP_TTL_MS } from '../../src/modules/lookup-cache.ts';

let env: TestEnv;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  env = await testApp();
  a = await createBusiness(env.app);
  b = await createBusiness(env.app);
  await createCustomer(a, { id: 'ct_auth_a', name: 'A customer' });
  await createCustomer(b, { id: 'ct_auth_b', name: 'B customer' });
});
afterAll(() => env.app.close());

const get = (url: string, headers: Record<string, string> = {}) => env.app.inject({ method: 'GET', url, headers });
const adminPost = (payload: unknown, headers: Record<string, string> = bearer(ADMIN_TOKEN)) =>
  env.app.inject({ method: 'POST', url: '/api/v1/businesses', headers, payload: payload as Json });

describe('authentication', () => {
  it('refuses a request without a token with 401 {"detail": …}', async () => {
    const response = await get('/api/v1/customers');
    expect(expectDetail(response, 401)).toMatch(/token/i);
  });

  it.each([
    ['a random word', 'Bearer hello'],
    ['an empty bearer', 'Bearer '],
    ['another auth scheme', 'Basic dXNlcjpwYXNz'],
    ['a well-formed unknown token', `Bearer bw_pat_${'A'.repeat(40)}`],
    ['the token prefix alone', 'Bearer bw_pat_'],
    ['bw_pat_ with junk', 'Bearer bw_pat_$$$%%%^^^&&&***((()))'],
    ['a very long header', `Bearer bw_pat_${'x'.repeat(100_000)}`],
    ['non-ASCII characters', 'Bearer bw_pat_ünïcødé✓'],
    ['two tokens', 'Bearer bw_pat_abc bw_pat_def'],
  ])('refuses %s with 401, never 500', async (_label, authorization) => {
    const response = await get('/api/v1/customers', { authorization, 'x-business-id': a.id });
    expectDetail(response, 401);
  });

  it('refuses a garbage accessToken header with 401', async () => {
    expectDetail(await get('/api/v1/customers', { accesstoken: 'bw_pat_nope' }), 401);
  });

  it('refuses a token whose last character is changed', async () => {
    const last = a.token.at(-1) === 'a' ? 'b' : 'a';
    expectDetail(await get('/api/v1/customers', bearer(a.token.slice(0, -1) + last)), 401);
  });

  it('refuses a revoked token with 401, at the latest once its cached grant expires', async () => {
    const { token, principalId } = await limitedToken(env, a, ['*']);
    expect((await get('/api/v1/customers', bearer(token))).statusCode).toBe(200);
    await sql`update tokens set revoked_at = now() where principal_id = ${principalId}`.execute(env.database.db);
    await new Promise((resolve) => setTimeout(resolve, LOOKUP_TTL_MS));
    expectDetail(await get('/api/v1/customers', bearer(token)), 401);
  });

  it('accepts the token as Authorization: Bearer (any case) and as accessToken', async () => {
    const viaBearer = await get('/api/v1/customers/ct_auth_a', { authorization: `Bearer ${a.token}`, 'x-business-id': a.id });
    expect(viaBearer.statusCode, viaBearer.body).toBe(200);
    expect(viaBearer.json().id).toBe('ct_auth_a');
    const lowerCase = await get('/api/v1/customers/ct_auth_a', { authorization: `bearer ${a.token}` });
    expect(lowerCase.statusCode, lowerCase.body).toBe(200);
    const viaAccessToken = await get('/api/v1/customers/ct_auth_a', { accessToken: a.token, 'x-business-id': a.id });
    expect(viaAccessToken.statusCode, viaAccessToken.body).toBe(200);
    expect(viaAccessToken.json().id).toBe('ct_auth_a');
  });

  it('does not accept the admin token on tenant routes', async () => {
    expectDetail(await get('/api/v1/customers', bearer(ADMIN_TOKEN)), 401);
  });
});

describe('business selection', () => {
  it('refuses x-business-id of another business with 403', async () => {
    const response = await get('/api/v1/customers', { ...bearer(a.token), 'x-business-id': b.id });
    expectDetail(response, 403);
  });

  it('refuses an unknown business id with 403', async () => {
    expectDetail(await get('/api/v1/customers', { ...bearer(a.token), 'x-business-id': 'no-such-business' }), 403);
    expectDetail(await get('/api/v1/customers', { ...bearer(a.token), 'x-business-id': '' }), 403);
  });

  it('uses the only business of the token when x-business-id is omitted', async () => {
    const response = await get('/api/v1/customers', bearer(a.token));
    expect(response.statusCode, response.body).toBe(200);
    const ids = (response.json().items as Json[]).map((c) => c.id);
    expect(ids).toContain('ct_auth_a');
    expect(ids).not.toContain('ct_auth_b');
  });

  it('requires x-business-id when the token reaches several businesses, and honours it', async () => {
    const { token, principalId } = await limitedToken(env, a, ['customers.READ']);
    await env.database.db.transaction().execute((tx) => grantMembership(tx, b.id, principalId));
    expectDetail(await get('/api/v1/customers', bearer(token)), 403);
    const inB = await get('/api/v1/customers/ct_auth_b', { ...bearer(token), 'x-business-id': b.id });
    expect(inB.statusCode, inB.body).toBe(200);
    const inA = await get('/api/v1/customers/ct_auth_a', { ...bearer(token), 'x-business-id': a.id });
    expect(inA.statusCode, inA.body).toBe(200);
    // The business header picks the tenant: A's customer is not visible through B.
    expectDetail(await get('/api/v1/customers/ct_auth_a', { ...bearer(token), 'x-business-id': b.id }), 404);
  });
});

describe('scopes', () => {
  it('customers.READ reads but cannot create, update or delete (403)', async () => {
    const { token } = await limitedToken(env, a, ['customers.READ']);
    const headers = bearer(token);
    expect((await get('/api/v1/customers', headers)).statusCode).toBe(200);
    expect((await get('/api/v1/customers/ct_auth_a', headers)).statusCode).toBe(200);
    const create = await env.app.inject({ method: 'POST', url: '/api/v1/customers', headers, payload: { id: 'ct_scope_denied', name: 'X' } });
    expect(expectDetail(create, 403)).toMatch(/customers\.CREATE/);
    expectDetail(await env.app.inject({ method: 'PATCH', url: '/api/v1/customers/ct_auth_a', headers, payload: { name: 'Changed' } }), 403);
    expectDetail(await env.app.inject({ method: 'DELETE', url: '/api/v1/customers/ct_auth_a', headers }), 403);
    // Nothing was written by the refused requests.
    expectDetail(await a.get('/api/v1/customers/ct_scope_denied'), 404);
    expect((await a.get('/api/v1/customers/ct_auth_a')).json().name).toBe('A customer');
    // Another resource is out of reach too.
    expectDetail(await get('/api/v1/items', headers), 403);
  });

  it('customers.* grants every customer action and nothing else', async () => {
    const { token } = await limitedToken(env, a, ['customers.*']);
    const headers = bearer(token);
    const create = await env.app.inject({ method: 'POST', url: '/api/v1/customers', headers, payload: { id: 'ct_star', name: 'Star' } });
    expect(create.statusCode, create.body).toBe(201);
    expect((await get('/api/v1/customers/ct_star', headers)).statusCode).toBe(200);
    const patch = await env.app.inject({ method: 'PATCH', url: '/api/v1/customers/ct_star', headers, payload: { name: 'Star 2' } });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(patch.json().name).toBe('Star 2');
    expect((await env.app.inject({ method: 'DELETE', url: '/api/v1/customers/ct_star', headers })).statusCode).toBe(204);
    expectDetail(await get('/api/v1/vendors', headers), 403);
    expectDetail(await env.app.inject({ method: 'POST', url: '/api/v1/items', headers, payload: { name: 'I', unit_price: 1 } }), 403);
  });

  it('* grants every action on every resource', async () => {
    const { token } = await limitedToken(env, a, ['*']);
    const headers = bearer(token);
    for (const [url, payload] of [
      ['/api/v1/customers', { name: 'C' }],
      ['/api/v1/vendors', { name: 'V' }],
      ['/api/v1/items', { name: 'I', unit_price: 5 }],
    ] as const) {
      const created = await env.app.inject({ method: 'POST', url, headers, payload });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id as string;
      expect((await get(`${url}/${id}`, headers)).statusCode).toBe(200);
      expect((await env.app.inject({ method: 'PUT', url: `${url}/${id}`, headers, payload: { name: 'Renamed' } })).statusCode).toBe(200);
      expect((await env.app.inject({ method: 'DELETE', url: `${url}/${id}`, headers })).statusCode).toBe(204);
    }
  });

  it('a token with no scopes is refused everywhere with 403', async () => {
    const { token } = await limitedToken(env, a, []);
    expectDetail(await get('/api/v1/customers', bearer(token)), 403);
  });
});

describe('admin API: POST /api/v1/businesses', () => {
  const valid = { name: 'Admin-made', country: 'IN', state: 'IN-KA', currency: 'INR', invoice_prefix: 'KA-' };

  it('refuses a missing or wrong admin token with 401 (a business token with 403) and creates nothing', async () => {
    const name = `No admin ${Date.now()}`;
    expectDetail(await adminPost({ ...valid, name }, {}), 401);
    expectDetail(await adminPost({ ...valid, name }, bearer(`${ADMIN_TOKEN}x`)), 401);
    expectDetail(await adminPost({ ...valid, name }, bearer('short')), 401);
    expect(expectDetail(await adminPost({ ...valid, name }, bearer(a.token)), 403)).toMatch(/admin token/);
    const rows = await sql`select id from businesses where name = ${name}`.execute(env.database.db);
    expect(rows.rows).toHaveLength(0);
  });

  it.each([
    ['a country that is not ISO alpha-2', { country: 'India' }, 'country'],
    ['a lower-case country', { country: 'in' }, 'country'],
    ['an unknown currency', { currency: 'XYZ' }, 'currency'],
    ['a malformed currency', { currency: 'rupees' }, 'currency'],
    ['an Indian business without state', { state: undefined }, 'state'],
    ['an unknown Indian state', { state: 'IN-ZZ' }, 'state'],
    ['a missing name', { name: undefined }, 'name'],
    ['an empty name', { name: '' }, 'name'],
    ['an unknown field', { colour: 'blue' }, 'colour'],
    ['a prefix leaving no room in 16-character numbers', { invoice_prefix: 'ABCDEFGH', number_padding: 10 }, 'invoice_prefix'],
    ['a prefix with forbidden characters', { invoice_prefix: 'IN V#' }, 'invoice_prefix'],
  ])('refuses %s with 422 naming the field', async (_label, change, field) => {
    const response = await adminPost({ ...valid, ...change });
    expect422(response, ['body', field]);
  });

  it('creates a business and returns a working token with every scope', async () => {
    const response = await adminPost(valid);
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json() as { business: Json; token: string };
    expect(Object.keys(body).sort()).toEqual(['business', 'token']);
    expect(body.token).toMatch(/^bw_pat_[0-9A-Za-z]{32,}$/);
    expect(body.business).toMatchObject({ name: 'Admin-made', country: 'IN', state: 'IN-KA', currency: 'INR', invoice_prefix: 'KA-' });
    // Closed response: internal columns never leak.
    expect(Object.keys(body.business).sort()).toEqual(
      [
        ...['country', 'created_at', 'credit_note_prefix', 'currency', 'debit_note_prefix', 'gstin', 'id', 'invoice_prefix', 'name', 'number_padding', 'number_reset', 'state', 'updated_at'],
        // The document profile (issue 11).
        ...['legal_name', 'address', 'tax_id', 'locale', 'time_zone', 'footer', 'terms', 'logo_url'],
      ].sort(),
    );

    const own = await get(`/api/v1/businesses/${body.business.id}`, bearer(body.token));
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toEqual(body.business);
    const customer = await env.app.inject({ method: 'POST', url: '/api/v1/customers', headers: bearer(body.token), payload: { name: 'First' } });
    expect(customer.statusCode, customer.body).toBe(201);
    const item = await env.app.inject({ method: 'POST', url: '/api/v1/items', headers: bearer(body.token), payload: { name: 'I', unit_price: 1 } });
    expect(item.statusCode, item.body).toBe(201);
  });

  it('creates a non-GST business without a state', async () => {
    const response = await adminPost({ name: 'US shop', country: 'US', currency: 'USD' });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().business).toMatchObject({ country: 'US', state: null, currency: 'USD', invoice_prefix: 'INV-' });
  });

  it('stores only the hash of the token', async () => {
    const response = await adminPost({ ...valid, name: 'Hash check' });
    expect(response.statusCode, response.body).toBe(201);
    const token = response.json().token as string;
    const hash = createHash('sha256').update(token).digest();
    const result = await sql<Record<string, unknown>>`select * from tokens where hash = ${hash}`.execute(env.database.db);
    expect(result.rows).toHaveLength(1);
    const secretPart = token.slice('bw_pat_'.length);
    for (const [column, value] of Object.entries(result.rows[0] ?? {})) {
      const texts =
        value instanceof Uint8Array
          ? [Buffer.from(value).toString('utf8'), Buffer.from(value).toString('hex'), Buffer.from(value).toString('base64')]
          : [typeof value === 'string' ? value : JSON.stringify(value)];
      for (const text of texts) {
        expect(text, `tokens.${column} holds the token`).not.toContain(token);
        expect(text, `tokens.${column} holds the token's secret part`).not.toContain(secretPart);
      }
    }
  });
});

describe('GET /api/v1/businesses/{id}', () => {
  it('returns the own business', async () => {
    const response = await a.get(`/api/v1/businesses/${a.id}`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual(a.business);
  });

  it('answers 404 (not 403) for another or an unknown business', async () => {
    expectDetail(await a.get(`/api/v1/businesses/${b.id}`), 404);
    expectDetail(await a.get('/api/v1/businesses/does-not-exist'), 404);
  });

  it('requires a token', async () => {
    expectDetail(await get(`/api/v1/businesses/${a.id}`), 401);
  });
});
