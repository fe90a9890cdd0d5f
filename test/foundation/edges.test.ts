import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, type Tenant } from '../helpers/factories.ts';
import { countOf, expectClientError, expectDetail, sendRaw } from './support.ts';

let env: TestEnv;
let tenant: Tenant;
beforeAll(async () => {
  env = await testApp();
  tenant = await createBusiness(env.app);
});
afterAll(() => env.app.close());

describe('public meta routes', () => {
  it('GET /health answers 200 {"status":"ok"} without auth', async () => {
    const response = await env.app.inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /openapi.json is an OpenAPI 3.1 document of the foundation routes', async () => {
    const response = await env.app.inject({ url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json() as Json;
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(doc.info.title).toEqual(expect.any(String));
    for (const path of ['/api/v1/customers', '/api/v1/items', '/api/v1/vendors', '/api/v1/businesses']) {
      const post = doc.paths[path]?.post;
      expect(post, `POST ${path}`).toBeDefined();
      const requestSchema = post.requestBody?.content?.['application/json']?.schema;
      expect(requestSchema, `POST ${path} request body`).toMatchObject({ type: 'object', additionalProperties: false });
      expect(requestSchema.required).toContain('name');
      expect(post.responses['201']?.content?.['application/json']?.schema?.type, `POST ${path} 201`).toBe('object');
      expect(post.responses['422']?.content?.['application/json']?.schema, `POST ${path} 422`).toBeDefined();
    }
    for (const path of ['/api/v1/customers', '/api/v1/items', '/api/v1/vendors']) {
      const list = doc.paths[path].get;
      expect(list.responses['200'].content['application/json'].schema.properties).toHaveProperty('next_cursor');
      expect((list.parameters as Json[]).map((p) => p.name)).toEqual(expect.arrayContaining(['limit', 'cursor', 'include_total']));
      const one = doc.paths[`${path}/{id}`];
      for (const method of ['get', 'patch', 'put', 'delete']) expect(one?.[method], `${method} ${path}/{id}`).toBeDefined();
      expect(one.patch.requestBody.content['application/json'].schema.type).toBe('object');
      expect(one.get.responses['200'].content['application/json'].schema.type).toBe('object');
      expect(one.get.responses['404']).toBeDefined();
    }
    expect(doc.paths['/api/v1/businesses/{id}']?.get).toBeDefined();
  });

  it('GET /docs serves browsable HTML without auth', async () => {
    for (const url of ['/docs', '/docs/']) {
      const response = await env.app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toMatch(/<html/i);
    }
  });

  it('answers an unknown route with 404 {"detail"}, with or without auth', async () => {
    expect(expectDetail(await env.app.inject({ url: '/nope' }), 404)).toContain('/nope');
    expectDetail(await tenant.get('/api/v1/nope'), 404);
    expectDetail(await tenant.request('DELETE', '/api/v1/customers'), 404);
    expectDetail(await env.app.inject({ method: 'POST', url: '/api/v2/customers', payload: {} }), 404);
  });
});

describe('request limits and malformed input', () => {
  it('refuses a body over 2 MB with 413 and stores nothing', async () => {
    const payload = JSON.stringify({ name: 'Big', billing_address: { line1: 'x'.repeat(2 * 1024 * 1024 + 10) } });
    const response = await sendRaw(env.app, tenant, 'POST', '/api/v1/customers', payload);
    expectDetail(response, 413);
    expect(await countOf(tenant, '/api/v1/customers')).toBe(0);
  });

  it('accepts a body just under the limit as far as size goes (then validates it)', async () => {
    const payload = JSON.stringify({ name: 'x'.repeat(1024 * 1024) });
    const response = await sendRaw(env.app, tenant, 'POST', '/api/v1/customers', payload);
    expect(response.statusCode).toBe(422);
  });

  it('refuses deeply nested JSON without a 500', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expectClientError(await sendRaw(env.app, tenant, 'POST', '/api/v1/customers', deep));
    const deepObject = `{"name":"x","billing_address":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`;
    expectClientError(await sendRaw(env.app, tenant, 'POST', '/api/v1/customers', deepObject));
  });

  it('refuses duplicate-key and prototype-polluting JSON without a 500', async () => {
    const proto = await sendRaw(env.app, tenant, 'POST', '/api/v1/customers', '{"name":"P","__proto__":{"admin":true}}');
    expectClientError(proto);
    const constructor = await sendRaw(env.app, tenant, 'POST', '/api/v1/customers', '{"name":"P","constructor":{"prototype":{"x":1}}}');
    expectClientError(constructor);
  });

  it('refuses a JSON body that is not UTF-8 with a 4xx', async () => {
    // {"name":"<0xff 0xfe>"} — invalid UTF-8 must not be stored as replacement characters.
    const payload = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const before = await countOf(tenant, '/api/v1/customers');
    expectClientError(await sendRaw(env.app, tenant, 'POST', '/api/v1/customers', payload));
    expect(await countOf(tenant, '/api/v1/customers')).toBe(before);
  });
});

describe('rate limit per token', () => {
  let limited: TestEnv;
  beforeAll(async () => {
    limited = await testApp({ rateLimitPerMinute: 3 });
  });
  afterAll(() => limited.app.close());

  it('answers the 4th request of a token with 429 and Retry-After; another token is unaffected', async () => {
    const a = await createBusiness(limited.app);
    const b = await createBusiness(limited.app);
    for (let i = 0; i < 3; i++) expect((await a.get('/api/v1/customers')).statusCode).toBe(200);
    const refused = await a.get('/api/v1/customers');
    expect(expectDetail(refused, 429)).toMatch(/rate limit/i);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // A write is refused too, and does nothing.
    expectDetail(await a.post('/api/v1/customers', { name: 'Too many' }), 429);
    const rows = await sql`select id from customers where business_id = ${a.id}`.execute(limited.database.db);
    expect(rows.rows).toHaveLength(0);

    const other = await b.get('/api/v1/customers');
    expect(other.statusCode, other.body).toBe(200);
    expect(other.json().items).toEqual([]);
  });

  it('counts requests per token, not per business', async () => {
    const fresh = await testApp({ rateLimitPerMinute: 3 });
    try {
      const tenantC = await createBusiness(fresh.app);
      for (let i = 0; i < 3; i++) expect((await tenantC.get('/api/v1/items')).statusCode).toBe(200);
      expect((await tenantC.get('/api/v1/items')).statusCode).toBe(429);
      // The same business through the accessToken header is the same token: still limited.
      const viaAccessToken = await fresh.app.inject({ url: '/api/v1/items', headers: { accesstoken: tenantC.token } });
      expect(viaAccessToken.statusCode).toBe(429);
    } finally {
      await fresh.app.close();
    }
  });
});
