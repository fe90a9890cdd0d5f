import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem, createVendor, type Tenant } from '../helpers/factories.ts';

/**
 * Contract-driven fuzzing (issue 22): every operation of GET /openapi.json gets bodies, path
 * and query parameters and headers generated from its own schemas (valid-looking and broken):
 * never a 5xx; every 4xx says what is wrong; every 2xx matches its declared schema (testApp
 * turns a violation into a 500, so the first check catches it). Every route with an id is
 * then probed with a second business's ids: 404, and that business is unchanged.
 * FUZZ_RUNS sets the runs per operation (the long form: `npm run bench -- fuzz`).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 3);
type Schema = Record<string, Json>;

interface Operation {
  method: string;
  path: string;
  op: Json;
}

let env: TestEnv;
let a: Tenant;
let b: Tenant;
let operations: Operation[];

beforeAll(async () => {
  env = await testApp();
  a = await createBusiness(env.app);
  b = await createBusiness(env.app);
  for (const t of [a, b]) {
    await createCustomer(t, { id: 'ct_fuzz', email: 'ap@fuzz.example' });
    await createVendor(t, { id: 'vn_fuzz' });
    await createItem(t, { id: 'it_fuzz' });
  }
  const doc = (await env.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  operations = Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => ['get', 'post', 'patch', 'put', 'delete'].includes(method))
      .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
});
afterAll(() => env.app.close());

/** An arbitrary of values a JSON schema describes (bounded sizes; patterns are not honoured, so many strings are invalid). */
function arbitrary(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 5) return fc.jsonValue({ maxDepth: 2 });
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches)) return fc.oneof(...branches.map((s: Schema) => arbitrary(s, depth + 1)));
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type: string) => arbitrary({ ...schema, type }, depth)));
  switch (schema.type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const record = Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, arbitrary(s, depth + 1)]));
      return fc.record(record, { requiredKeys: (schema.required ?? []).filter((k: string) => k in properties) });
    }
    case 'array':
      return fc.array(arbitrary(schema.items, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'string':
      return fc.oneof(
        fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 24, 24) }),
        fc.constantFrom('ct_fuzz', 'vn_fuzz', 'it_fuzz', 'INR', 'IN-MH', '2026-05-12', '2026-05-12T00:00:00', 'https://hooks.example.com/x'),
      );
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

const nasty = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(1e308, -0, '\u0000', '\uD800', 'Ω'.repeat(3000), '', [], {}), fc.string({ unit: 'binary', maxLength: 30 }));

/** A broken variant of a body: an unknown field, one field replaced by a nasty value, or a nasty body. */
const broken = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof(
    valid.map((v) => (v && typeof v === 'object' && !Array.isArray(v) ? { ...v, zz_unknown: 1 } : v)),
    fc.tuple(valid, nasty).map(([v, value]) => {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return value;
      const keys = Object.keys(v);
      return keys.length === 0 ? value : { ...v, [keys[0] as string]: value };
    }),
    nasty,
  );

const jsonBody = (op: Json): Schema | undefined => op.requestBody?.content?.['application/json']?.schema;
const takesOtherBody = (op: Json) => op.requestBody && !jsonBody(op);
const isTenantRoute = (op: Json) => !op.security || op.security.length > 0;
// Routes outside the fuzz: the admin route (needs the admin token; covered by its own tests) and multipart uploads.
const fuzzable = ({ path, op }: Operation) => path !== '/api/v1/businesses' && !takesOtherBody(op);

function parameters(op: Json, where: 'path' | 'query'): Schema[] {
  return ((op.parameters ?? []) as Schema[]).filter((p) => p.in === where);
}

/** A 4xx names the field or the problem, in whichever dialect the route speaks. */
function namesTheProblem(response: LightMyRequestResponse): boolean {
  if (!String(response.headers['content-type'] ?? '').includes('json')) return response.body.length > 0;
  const body = response.json() as Json;
  const said = body.detail ?? body.message ?? body.error?.message;
  if (Array.isArray(said)) return said.length > 0 && said.every((d: Json) => Array.isArray(d.loc) && typeof d.msg === 'string');
  return typeof said === 'string' && said.length > 0;
}

function request(tenant: Tenant, method: string, url: string, payload: unknown, headers: Record<string, string> = {}) {
  return env.app.inject({ method: method as 'GET', url, headers: { ...tenant.headers, ...headers }, ...(payload === undefined ? {} : { payload: JSON.stringify(payload), headers: { ...tenant.headers, ...headers, 'content-type': 'application/json' } }) });
}

const urlOf = (path: string, pathValues: Record<string, string>, query: Record<string, unknown>) => {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(pathValues[name] ?? 'x'));
  const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return search.size > 0 ? `${filled}?${search}` : filled;
};

describe('contract-driven fuzzing from /openapi.json', () => {
  it('covers every operation of the document', () => {
    expect(operations.length).toBeGreaterThan(80);
    expect(operations.filter(fuzzable).length).toBeGreaterThan(80);
  });

  it('no 5xx, every 4xx names the problem, every 2xx matches its schema', async () => {
    for (const operation of operations.filter(fuzzable)) {
      const { method, path, op } = operation;
      const schema = jsonBody(op);
      const valid = schema ? arbitrary(schema) : fc.constant(undefined);
      const body = schema ? fc.oneof(valid, broken(valid)) : fc.constant(undefined);
      const pathArb = fc.record(Object.fromEntries(parameters(op, 'path').map((p) => [p.name, fc.oneof(fc.constantFrom('ct_fuzz', 'it_fuzz', 'x'), fc.string({ minLength: 1, maxLength: 70 }))])));
      const queryArb = fc.record(Object.fromEntries(parameters(op, 'query').map((p) => [p.name, arbitrary(p.schema)])), { requiredKeys: [] });
      const keyArb = method === 'POST' ? fc.option(fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 8 })), { nil: undefined }) : fc.constant(undefined);
      await fc.assert(
        fc.asyncProperty(body, pathArb, queryArb, keyArb, async (payload, pathValues, query, key) => {
          const url = urlOf(path, pathValues as Record<string, string>, query);
          const headers: Record<string, string> = key === undefined ? {} : { 'idempotency-key': encodeURIComponent(key).slice(0, 300) };
          const response = await request(a, method, url, payload, headers);
          const what = `${method} ${url} ${JSON.stringify(payload)?.slice(0, 200)} → ${response.statusCode} ${response.body.slice(0, 300)}`;
          expect(response.statusCode, what).toBeLessThan(500);
          if (response.statusCode >= 400) expect(namesTheProblem(response), what).toBe(true);
        }),
        { numRuns: RUNS },
      );
    }
  }, 600_000);

  it("every route with an id answers 404 to another business's ids, and changes nothing there", async () => {
    // One resource of each kind in business b, by the collection its id belongs to.
    const post = async (url: string, body: Json) => {
      const response = await b.post(url, body);
      expect(response.statusCode, `${url} ${response.body}`).toBeLessThan(300);
      return response.json();
    };
    const line = { item_id: 'it_fuzz', quantity: 1 };
    const invoice = await post('/api/v1/invoices', { customer_id: 'ct_fuzz', date: '2026-05-12T00:00:00', place_of_supply: 'IN-MH', line_items: [line], auto_approve: true });
    const ids: Record<string, string> = {
      // Client-chosen ids that exist in b only (ct_fuzz… exist in both businesses).
      customers: (await post('/api/v1/customers', { id: 'ct_b_only', name: 'B only' })).id,
      vendors: (await post('/api/v1/vendors', { id: 'vn_b_only', name: 'B only' })).id,
      items: (await post('/api/v1/items', { id: 'it_b_only', name: 'B only', unit_price: 100 })).id,
      invoices: invoice.id,
      bills: (await post('/api/v1/bills', { vendor_id: 'vn_fuzz', bill_number: 'B-1', date: '2026-05-12T00:00:00', place_of_supply: 'IN-MH', line_items: [line] })).id,
      'delayed-charges': (await post('/api/v1/delayed-charges', { customer_id: 'ct_fuzz', description: 'Setup', amount: 500, currency: 'INR' })).id,
      orders: (await post('/api/v1/orders', { customer_id: 'ct_fuzz', currency: 'INR', place_of_supply: 'IN-MH', line_items: [{ id: 'ln_1', ...line }] })).id,
      'webhook-endpoints': (await post('/api/v1/webhook-endpoints', { url: 'https://hooks.example.com/b', events: ['*'] })).id,
      businesses: b.id,
    };
    const lists = ['customers', 'vendors', 'items', 'invoices', 'bills', 'delayed-charges', 'orders', 'webhook-endpoints'];
    const snapshot = async () => Promise.all(lists.map(async (l) => (await b.get(`/api/v1/${l}?limit=500`)).body));
    const before = await snapshot();
    let probed = 0;
    for (const { method, path, op } of operations.filter((o) => isTenantRoute(o.op) && /\/api\/v1\/[\w-]+\/\{id\}/.test(o.path))) {
      const collection = /\/api\/v1\/([\w-]+)\/\{id\}/.exec(path)?.[1] as string;
      const id = ids[collection];
      if (!id) continue;
      const schema = jsonBody(op);
      const payload = schema ? fc.sample(arbitrary(schema), { numRuns: 1, seed: 7 })[0] : method === 'GET' || method === 'DELETE' ? undefined : {};
      const response = await request(a, method, path.replace('{id}', encodeURIComponent(id)).replace('{delivery_id}', 'x'), takesOtherBody(op) ? undefined : payload);
      const what = `${method} ${path} with b's id → ${response.statusCode} ${response.body.slice(0, 200)}`;
      // A body the schema refuses is answered before the lookup (422 naming the body); anything else is 404.
      const bodyRefused = response.statusCode === 422 && JSON.stringify(response.json()).includes('"body"');
      // Another business itself is not reachable with this token: 403 (SPEC §2), or 404.
      if (!bodyRefused) expect(path.startsWith('/api/v1/businesses') ? [403, 404] : [404], what).toContain(response.statusCode);
      probed++;
    }
    expect(probed).toBeGreaterThan(30);
    expect(await snapshot()).toEqual(before);
  }, 300_000);
});
