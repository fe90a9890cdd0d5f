import fs from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENT_PATH, generatedTypes, servedDocument, TYPES_PATH } from '../../scripts/contract-lib.ts';
import { registerContract } from '../../src/http/contract/index.ts';
import { operationIdFor } from '../../src/http/contract/operation-id.ts';
import { installErrorFormat } from '../../src/http/errors.ts';
import { RequestError } from '../../src/http/problem.ts';
import { errorResponses } from '../../src/http/schemas.ts';
import { type Json, type TestEnv, testApp, testConfig } from '../helpers/app.ts';
import { createBusiness } from '../helpers/factories.ts';

let env: TestEnv;
let document: Json;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function operations(doc: Json): { method: string; path: string; op: Json }[] {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([p, item]) =>
    Object.entries(item as Record<string, Json>)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method, path: p, op })),
  );
}

const ajv = new Ajv({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);

/** The documented JSON schema of a response, checked against a real body. */
function expectDocumented(doc: Json, method: string, url: string, status: number, body: unknown): void {
  const response = doc.paths[url][method].responses[String(status)];
  expect(response, `${method} ${url} does not document ${status}`).toBeDefined();
  const validate = ajv.compile(response.content['application/json'].schema);
  expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
}

beforeAll(async () => {
  env = await testApp();
  document = (await env.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(() => env.app.close());

describe('the published contract', () => {
  it('docs/openapi.json is what the server serves (run `npm run contract` after changing a route)', async () => {
    expect(await servedDocument()).toBe(fs.readFileSync(DOCUMENT_PATH, 'utf8'));
  });

  it('src/client/schema.ts is generated from docs/openapi.json (run `npm run contract`)', () => {
    expect(generatedTypes(DOCUMENT_PATH)).toBe(fs.readFileSync(TYPES_PATH, 'utf8'));
  });

  it('takes servers from PUBLIC_URL and declares the license and both security schemes', async () => {
    const other = await testApp({ publicUrl: 'https://billing.acme.test' });
    const doc = (await other.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    await other.app.close();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: 'https://billing.acme.test', description: expect.any(String) }]);
    expect(doc.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.accessToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'accessToken' });
  });
});

describe('every operation', () => {
  it('has a unique operationId, a summary, a description and tags', () => {
    const ops = operations(document);
    expect(ops.length).toBeGreaterThan(40);
    for (const { method, path: p, op } of ops) {
      const where = `${method.toUpperCase()} ${p}`;
      // FastAPI style (docs/decisions.md; path parameters keep their case): a route naming its own id must follow it too.
      expect(op.operationId, where).toMatch(new RegExp(`^[a-z][A-Za-z0-9_]*_${method}$`));
      expect(typeof op.summary === 'string' && op.summary.length > 0, `${where} has no summary`).toBe(true);
      expect(typeof op.description === 'string' && op.description.length > 0, `${where} has no description`).toBe(true);
      expect(op.tags?.length, `${where} has no tags`).toBeGreaterThan(0);
    }
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents a 2xx, 429 and 500, and 401/403 when it needs a token', () => {
    for (const { method, path: p, op } of operations(document)) {
      const statuses = Object.keys(op.responses);
      const where = `${method.toUpperCase()} ${p}`;
      expect(statuses.some((s) => s.startsWith('2')), where).toBe(true);
      expect(statuses, where).toEqual(expect.arrayContaining(['429', '500']));
      if (op.security?.length !== 0) expect(statuses, where).toEqual(expect.arrayContaining(['401']));
    }
  });

  it("shows seeds/000's request as the example of POST /bulk/invoices", () => {
    const example = document.paths['/bulk/invoices'].post.requestBody.content['application/json'].example;
    expect(example.invoices.map((i: Json) => i.customer_id)).toEqual(['ct_acme', 'ct_beta']);
    expect(example.invoices[1]).toMatchObject({ place_of_supply: 'IN-KA', auto_approve: true });
  });

  it('lists every tag it uses at the top level, with a description', () => {
    const used = new Set(operations(document).flatMap((o) => o.op.tags as string[]));
    expect(new Set(document.tags.map((t: Json) => t.name))).toEqual(used);
    for (const tag of document.tags) expect(tag.description, tag.name).toEqual(expect.any(String));
  });
});

describe('operation ids', () => {
  it("derive the seeds' ids FastAPI-style from method and path", () => {
    expect(operationIdFor('POST', '/api/v1/invoices/bulk')).toBe('create_bulk_invoices_api_v1_invoices_bulk_post');
    expect(operationIdFor('POST', '/api/v1/invoices/batch')).toBe('create_batch_invoices_api_v1_invoices_batch_post');
    expect(operationIdFor('GET', '/api/v1/customers')).toBe('list_customers_api_v1_customers_get');
    expect(operationIdFor('GET', '/api/v1/customers/:id')).toBe('get_customer_api_v1_customers__id__get');
    expect(operationIdFor('POST', '/api/v1/invoices/:id/finalize')).toBe('finalize_invoice_api_v1_invoices__id__finalize_post');
    expect(operationIdFor('DELETE', '/api/v1/delayed-charges/:id')).toBe('delete_delayed_charge_api_v1_delayed_charges__id__delete');
  });

  it('name the served operations', () => {
    const byRoute = Object.fromEntries(operations(document).map((o) => [`${o.method} ${o.path}`, o.op.operationId]));
    expect(byRoute['get /api/v1/customers']).toBe('list_customers_api_v1_customers_get');
    expect(byRoute['post /bulk/invoices']).toBe('create_bulk_invoices_bulk_invoices_post');
    expect(byRoute['post /api/v1/invoices/{id}/payments']).toBe('create_invoice_payments_api_v1_invoices__id__payments_post');
  });

  it('keep an id a route sets, and refuse a duplicate when the route is added', async () => {
    const app = Fastify();
    await registerContract(app, testConfig());
    const schema = { operationId: 'create_bulk_invoices_api_v1_invoices_bulk_post', summary: 's', description: 'd', tags: ['t'] };
    app.post('/api/v1/invoices/bulk', { schema }, async () => ({}));
    expect(() => app.post('/elsewhere', { schema }, async () => ({}))).toThrow(/already used by POST \/api\/v1\/invoices\/bulk/);
    await app.ready();
    expect((app.swagger() as Json).paths['/api/v1/invoices/bulk'].post.operationId).toBe(schema.operationId);
    await app.close();
  });
});

describe('error responses', () => {
  it('document each dialect as it answers: FastAPI detail, seeds/000 {code,message,error}, both with request_id', async () => {
    const tenant = await createBusiness(env.app);
    const native = await env.app.inject({ method: 'GET', url: '/api/v1/customers/ct_nobody', headers: tenant.headers });
    expectDocumented(document, 'get', '/api/v1/customers/{id}', 404, native.json());
    const invalid = await tenant.post('/api/v1/customers', { name: 1 });
    expectDocumented(document, 'post', '/api/v1/customers', 422, invalid.json());
    const bulk = await env.app.inject({ method: 'POST', url: '/bulk/invoices', payload: { invoices: [] } });
    expect(bulk.statusCode).toBe(401);
    expectDocumented(document, 'post', '/bulk/invoices', 401, bulk.json());
    const tooMany = await tenant.post('/bulk/invoices', { invoices: [] });
    expectDocumented(document, 'post', '/bulk/invoices', 422, tooMany.json());
    for (const response of [native, invalid, bulk, tooMany]) expect(response.json().request_id).toBe(response.headers['x-request-id']);
  });

  it('document a dialect added on another branch from its formatter alone (seeds/003 {success,message})', async () => {
    const app = Fastify();
    await registerContract(app, testConfig());
    await app.register(async (orders) => {
      installErrorFormat(orders, (problem) => ({ status: problem.status === 422 ? 400 : problem.status, body: { success: false, message: problem.message } }));
      orders.post(
        '/invoices/bulk',
        { schema: { summary: 's', description: 'd', tags: ['orders'], body: Type.Object({ orderIds: Type.Array(Type.String()) }), response: errorResponses(404) } },
        async () => {
          throw new RequestError(404, 'not_found.resource', 'Order not found: 69ab24db449866373d5e3e35');
        },
      );
    });
    await app.ready();
    const op = (app.swagger() as Json).paths['/invoices/bulk'].post;
    expect(op.operationId).toBe('create_bulk_invoices_invoices_bulk_post');
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '404', '409', '413', '415', '429', '500']));
    expect(op.responses['422']).toBeUndefined();
    const schema = op.responses['404'].content['application/json'].schema;
    expect(schema.required).toEqual(['success', 'message', 'request_id']);
    expect(op.responses['401'].content['application/json'].example).toEqual({
      success: false,
      message: 'Invalid or missing access token',
      request_id: expect.any(String),
    });
    await app.close();
  });
});

describe('x-request-id', () => {
  it('echoes a sane client id, replaces an unsafe one, and makes one when none is sent', async () => {
    const given = await env.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'trace-42.a:b' } });
    expect(given.headers['x-request-id']).toBe('trace-42.a:b');
    const unsafe = await env.app.inject({ method: 'GET', url: '/api/v1/customers', headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(unsafe.json().request_id).toBe(unsafe.headers['x-request-id']);
    const none = await env.app.inject({ method: 'GET', url: '/nowhere' });
    expect(none.statusCode).toBe(404);
    expect(none.json()).toEqual({ detail: expect.any(String), request_id: none.headers['x-request-id'] });
  });
});

describe('the response check of the test helpers', () => {
  it('turns a 2xx that breaks its declared schema into a failing 500', async () => {
    const { checkResponses } = await import('../helpers/response-contract.ts');
    const app = Fastify();
    app.addHook('onRoute', checkResponses);
    app.get('/bad', { schema: { response: { 200: Type.Object({ n: Type.Integer() }) } } }, async (_r, reply) =>
      reply.type('application/json').send(JSON.stringify({ n: 'one' })),
    );
    const errors: string[] = [];
    const original = console.error;
    console.error = (message: string) => errors.push(message);
    try {
      expect((await app.inject({ method: 'GET', url: '/bad' })).statusCode).toBe(500);
    } finally {
      console.error = original;
    }
    expect(errors.join('\n')).toMatch(/GET \/bad 200 breaks its declared schema: \/n must be integer/);
    await app.close();
  });
});
