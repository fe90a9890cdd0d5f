import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, type Tenant } from '../helpers/factories.ts';
import { countOf, expect422, expectClientError, expectDetail, sendRaw, UUID_V7 } from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

interface Resource {
  name: string;
  path: string;
  prefix: string;
  /** A body with every field set. */
  full: Json;
  /** The smallest valid body. */
  minimal: Json;
  patch: Json;
  put: Json;
}

const party = {
  full: {
    name: 'Acme Traders',
    email: 'billing@acme.example',
    currency: 'INR',
    billing_address: { line1: '1 MG Road', city: 'Bengaluru', state: 'Karnataka', postal_code: '560001', country: 'IN' },
    state: 'IN-KA',
    gstin: '29ABCDE1234F1Z5',
    payment_terms_days: 15,
  },
  minimal: { name: 'Minimal' },
  patch: { email: 'new@acme.example' },
  put: { name: 'Acme Global', email: null, currency: 'USD', billing_address: null, state: 'IN-MH', gstin: null, payment_terms_days: 45 },
};

const RESOURCES: Resource[] = [
  { name: 'customers', path: '/api/v1/customers', prefix: 'ct', ...party },
  { name: 'vendors', path: '/api/v1/vendors', prefix: 'vn', ...party },
  {
    name: 'items',
    path: '/api/v1/items',
    prefix: 'it',
    full: { name: 'Widget', description: 'A very good widget', unit_price: 12_345, currency: 'INR', tax_rate: 18, hsn_code: '8471' },
    minimal: { name: 'Bare', unit_price: 0 },
    patch: { unit_price: 99_900 },
    put: { name: 'Widget Pro', description: null, unit_price: 50_000, currency: 'USD', tax_rate: '12.5', hsn_code: '998314' },
  },
];

describe.each(RESOURCES)('$name', (r) => {
  let tenant: Tenant;
  let other: Tenant;
  let n = 0;
  const nextId = () => `${r.prefix}_${++n}`;

  beforeAll(async () => {
    tenant = await createBusiness(env.app);
    other = await createBusiness(env.app);
  });

  const create = (body: Json, t: Tenant = tenant) => t.post(r.path, body);

  describe('happy paths', () => {
    it('creates with a client id, then gets and lists it', async () => {
      const id = nextId();
      const created = await create({ id, ...r.full });
      expect(created.statusCode, created.body).toBe(201);
      const body = created.json();
      expect(body).toMatchObject({ id, ...r.full });
      expect(body).not.toHaveProperty('business_id');
      expect(Date.parse(body.created_at)).not.toBeNaN();
      expect(body.updated_at).toBe(body.created_at);

      const got = await tenant.get(`${r.path}/${id}`);
      expect(got.statusCode, got.body).toBe(200);
      expect(got.json()).toEqual(body);

      const list = await tenant.get(`${r.path}?limit=500`);
      expect(list.statusCode, list.body).toBe(200);
      expect((list.json().items as Json[]).find((x) => x.id === id)).toEqual(body);
    });

    it('creates with a generated UUIDv7 id when none is given', async () => {
      const created = await create(r.minimal);
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().id).toMatch(UUID_V7);
      expect(created.json()).toMatchObject(r.minimal);
      const got = await tenant.get(`${r.path}/${created.json().id}`);
      expect(got.statusCode).toBe(200);
    });

    it('accepts client ids at the edges of the pattern', async () => {
      for (const id of ['a', 'A-Z_0-9', 'x'.repeat(64)]) {
        const created = await create({ ...r.minimal, id });
        expect(created.statusCode, created.body).toBe(201);
        expect(created.json().id).toBe(id);
      }
    });

    it('PATCH changes only the given fields', async () => {
      const id = nextId();
      const before = (await create({ id, ...r.full })).json();
      const patched = await tenant.request('PATCH', `${r.path}/${id}`, r.patch);
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.json()).toEqual({ ...before, ...r.patch, updated_at: patched.json().updated_at });
      expect(Date.parse(patched.json().updated_at)).toBeGreaterThanOrEqual(Date.parse(before.updated_at));
      expect((await tenant.get(`${r.path}/${id}`)).json()).toEqual(patched.json());
    });

    it('PUT replaces the given fields, including clearing nullable ones', async () => {
      const id = nextId();
      const before = (await create({ id, ...r.full })).json();
      const put = await tenant.request('PUT', `${r.path}/${id}`, r.put);
      expect(put.statusCode, put.body).toBe(200);
      const expected = { ...r.put, ...('tax_rate' in r.put ? { tax_rate: 12.5 } : {}) };
      expect(put.json()).toMatchObject({ id, ...expected, created_at: before.created_at });
      expect((await tenant.get(`${r.path}/${id}`)).json()).toEqual(put.json());
    });

    it('DELETE answers 204 and the record is gone', async () => {
      const id = nextId();
      await create({ id, ...r.minimal });
      const deleted = await tenant.request('DELETE', `${r.path}/${id}`);
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      expectDetail(await tenant.get(`${r.path}/${id}`), 404);
      expectDetail(await tenant.request('DELETE', `${r.path}/${id}`), 404);
      expectDetail(await tenant.request('PATCH', `${r.path}/${id}`, { name: 'Ghost' }), 404);
      // The id is free again.
      expect((await create({ id, ...r.minimal })).statusCode).toBe(201);
    });

    it('keeps Unicode text intact', async () => {
      const name = 'Müller & Söhne — 東京 🚀 "quoted" <b>';
      const created = await create({ ...r.minimal, name });
      expect(created.statusCode, created.body).toBe(201);
      expect((await tenant.get(`${r.path}/${created.json().id}`)).json().name).toBe(name);
    });
  });

  describe('errors', () => {
    it('answers 404 {"detail"} for an unknown id', async () => {
      expect(expectDetail(await tenant.get(`${r.path}/${r.prefix}_missing`), 404)).toContain(`${r.prefix}_missing`);
      expectDetail(await tenant.request('PUT', `${r.path}/${r.prefix}_missing`, r.put), 404);
    });

    it('refuses a duplicate client id with 409 and leaves the original unchanged', async () => {
      const id = nextId();
      const original = (await create({ id, ...r.full })).json();
      const duplicate = await create({ ...r.minimal, id });
      expect(expectDetail(duplicate, 409)).toContain(id);
      expect((await tenant.get(`${r.path}/${id}`)).json()).toEqual(original);
    });

    it('lets two businesses use the same client id', async () => {
      const id = nextId();
      expect((await create({ id, ...r.full })).statusCode).toBe(201);
      const inOther = await create({ id, ...r.minimal }, other);
      expect(inOther.statusCode, inOther.body).toBe(201);
      expect((await tenant.get(`${r.path}/${id}`)).json().name).toBe(r.full.name);
      expect((await other.get(`${r.path}/${id}`)).json().name).toBe(r.minimal.name);
    });

    it.each([
      ['with a space and punctuation', 'bad id!'],
      ['empty', ''],
      ['65 characters long', 'x'.repeat(65)],
      ['with a slash', 'ct/acme'],
      ['with non-ASCII letters', 'ct_ünï'],
      ['with a dot', 'ct.acme'],
    ])('refuses a client id %s with 422 at ["body","id"]', async (_label, id) => {
      const before = await countOf(tenant, r.path);
      expect422(await create({ ...r.minimal, id }), ['body', 'id']);
      expect(await countOf(tenant, r.path)).toBe(before);
    });

    it('refuses a non-string id with 422', async () => {
      expect422(await create({ ...r.minimal, id: 42 }), ['body', 'id'], 'string_type');
    });

    it('refuses unknown fields with extra_forbidden, on create and update', async () => {
      expect422(await create({ ...r.minimal, colour: 'blue' }), ['body', 'colour'], 'extra_forbidden');
      expect422(await create({ ...r.minimal, business_id: other.id }), ['body', 'business_id'], 'extra_forbidden');
      const id = nextId();
      await create({ id, ...r.minimal });
      expect422(await tenant.request('PATCH', `${r.path}/${id}`, { colour: 'blue' }), ['body', 'colour'], 'extra_forbidden');
      expect422(await tenant.request('PATCH', `${r.path}/${id}`, { id: 'renamed' }), ['body', 'id'], 'extra_forbidden');
      expect422(await tenant.request('PUT', `${r.path}/${id}`, { created_at: '2020-01-01T00:00:00Z' }), ['body', 'created_at'], 'extra_forbidden');
    });

    it('refuses a missing name and wrong types with 422 naming the field', async () => {
      const { name: _name, ...withoutName } = r.minimal;
      expect422(await create(withoutName), ['body', 'name'], 'missing');
      expect422(await create({ ...r.minimal, name: 123 }), ['body', 'name'], 'string_type');
      expect422(await create({ ...r.minimal, name: '' }), ['body', 'name']);
      expect422(await create({ ...r.minimal, name: null }), ['body', 'name']);
      expect422(await create({ ...r.minimal, name: ['a'] }), ['body', 'name']);
      expect422(await create({ ...r.minimal, currency: 7 }), ['body', 'currency']);
    });

    it.each([
      ['unknown', 'XYZ'],
      ['lower case', 'inr'],
      ['too long', 'INRR'],
      ['an inherited property name', 'constructor'],
    ])('refuses an %s currency with 422 naming currency', async (_label, currency) => {
      expect422(await create({ ...r.minimal, currency }), ['body', 'currency']);
      const id = nextId();
      await create({ id, ...r.minimal });
      expect422(await tenant.request('PATCH', `${r.path}/${id}`, { currency }), ['body', 'currency']);
    });

    it('refuses huge strings with 422', async () => {
      const huge = 'x'.repeat(10_000);
      expect422(await create({ ...r.minimal, name: huge }), ['body', 'name'], 'string_too_long');
      expect422(await create({ ...r.minimal, id: huge }), ['body', 'id']);
      expect422(await create({ ...r.minimal, currency: huge }), ['body', 'currency']);
    });

    it('refuses an empty PATCH and PUT body object with 422', async () => {
      const id = nextId();
      await create({ id, ...r.minimal });
      expect((await tenant.request('PATCH', `${r.path}/${id}`, {})).statusCode).toBe(422);
      expect((await tenant.request('PUT', `${r.path}/${id}`, {})).statusCode).toBe(422);
    });

    it('refuses bodies that are not a JSON object without a 500', async () => {
      const before = await countOf(tenant, r.path);
      const empty = await sendRaw(env.app, tenant, 'POST', r.path, undefined);
      expectDetail(empty, 400);
      const malformed = await sendRaw(env.app, tenant, 'POST', r.path, '{"name": "Acme",');
      expectDetail(malformed, 400);
      expectDetail(await sendRaw(env.app, tenant, 'POST', r.path, "{'name': 'single quotes'}"), 400);
      for (const payload of ['[]', `[${JSON.stringify(r.minimal)}]`, 'null', '"Acme"', '42', 'true']) {
        const response = await sendRaw(env.app, tenant, 'POST', r.path, payload);
        expectClientError(response);
      }
      expect422(await sendRaw(env.app, tenant, 'POST', r.path, '[]'), ['body'], 'object_type');
      expectClientError(await sendRaw(env.app, tenant, 'POST', r.path, 'name=Acme', 'application/x-www-form-urlencoded'));
      expectClientError(await sendRaw(env.app, tenant, 'POST', r.path, 'Acme', 'text/plain'));
      expect(await countOf(tenant, r.path)).toBe(before);
    });

    it('refuses a malformed or array body on update with a 4xx', async () => {
      const id = nextId();
      await create({ id, ...r.minimal });
      expectDetail(await sendRaw(env.app, tenant, 'PATCH', `${r.path}/${id}`, '{"name":'), 400);
      expectClientError(await sendRaw(env.app, tenant, 'PATCH', `${r.path}/${id}`, '[{"name":"x"}]'));
      expect((await tenant.get(`${r.path}/${id}`)).json().name).toBe(r.minimal.name);
    });

    it('answers a path id longer than 64 characters with 422', async () => {
      expect422(await tenant.get(`${r.path}/${'a'.repeat(65)}`), ['path', 'id']);
    });

  });

  describe('cross-tenant', () => {
    it("another business cannot read, change or delete a record: 404, and the owner's record is unchanged", async () => {
      const id = nextId();
      const original = (await create({ id, ...r.full })).json();
      const url = `${r.path}/${id}`;
      expectDetail(await other.get(url), 404);
      expectDetail(await other.request('PATCH', url, r.patch), 404);
      expectDetail(await other.request('PUT', url, r.put), 404);
      expectDetail(await other.request('DELETE', url), 404);
      const list = await other.get(`${r.path}?limit=500`);
      expect((list.json().items as Json[]).map((x) => x.id)).not.toContain(id);
      expect((await tenant.get(url)).json()).toEqual(original);
    });

    it("a business's token with another business's x-business-id is refused with 403", async () => {
      const id = nextId();
      await create({ id, ...r.minimal });
      const response = await env.app.inject({ method: 'GET', url: `${r.path}/${id}`, headers: { ...other.headers, 'x-business-id': tenant.id } });
      expectDetail(response, 403);
    });
  });
});

describe('NUL characters (PostgreSQL cannot store U+0000 in text or jsonb)', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createBusiness(env.app);
  });

  it('refuses U+0000 in any text field with a 4xx, never a 500, and stores nothing', async () => {
    const bodies: [string, Json][] = [
      ['/api/v1/customers', { name: 'Nul\u0000Byte' }],
      ['/api/v1/customers', { name: 'Ok', billing_address: { line1: 'a\u0000b' } }],
      ['/api/v1/vendors', { name: 'Ok', email: null, gstin: null, billing_address: { city: '\u0000' } }],
      ['/api/v1/items', { name: 'Nul\u0000Byte', unit_price: 1 }],
      ['/api/v1/items', { name: 'Ok', unit_price: 1, description: '\u0000' }],
    ];
    for (const [path, body] of bodies) {
      const response = await tenant.post(path, body);
      expect(response.statusCode, `${path} ${JSON.stringify(body)} → ${response.statusCode} ${response.body}`).toBeLessThan(500);
      expectClientError(response);
    }
    for (const path of ['/api/v1/customers', '/api/v1/vendors', '/api/v1/items']) expect(await countOf(tenant, path)).toBe(0);
  });

  it('answers a path id containing U+0000 with a 4xx, never a 500', async () => {
    for (const path of ['/api/v1/customers', '/api/v1/vendors', '/api/v1/items']) {
      for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
        const response = await tenant.request(method, `${path}/ab%00cd`, method === 'PATCH' ? { name: 'x' } : undefined);
        expect(response.statusCode, `${method} ${path}/ab%00cd → ${response.statusCode} ${response.body}`).toBeLessThan(500);
        expectClientError(response);
      }
    }
  });
});

describe('parties (customers and vendors)', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createBusiness(env.app);
  });

  it('defaults payment terms to 30 days and nullable fields to null', async () => {
    const created = await tenant.post('/api/v1/customers', { name: 'Defaults' });
    expect(created.json()).toMatchObject({ email: null, currency: null, billing_address: null, state: null, gstin: null, payment_terms_days: 30 });
  });

  it.each([
    ['email', 'not-an-email'],
    ['state', 'Maharashtra'],
    ['gstin', '27ABCDE1234F1Z'],
    ['payment_terms_days', -1],
    ['payment_terms_days', 1.5],
    ['payment_terms_days', '30'],
    ['payment_terms_days', 1e300],
    ['billing_address', 'somewhere'],
    ['billing_address', { line1: 'x', planet: 'Mars' }],
    ['email', `${'a'.repeat(10_000)}@example.com`],
  ])('refuses %s = %j with 422 naming the field', async (field, value) => {
    const response = await tenant.post('/api/v1/vendors', { name: 'Bad', [field]: value });
    expect(response.statusCode, response.body).toBe(422);
    const locs = (response.json().detail as Json[]).map((d) => d.loc);
    expect(locs.every((loc) => loc[0] === 'body' && loc[1] === field), JSON.stringify(locs)).toBe(true);
  });

  it('refuses an address line of 10k characters with 422 at its nested loc', async () => {
    const response = await tenant.post('/api/v1/customers', { name: 'Long', billing_address: { line1: 'x'.repeat(10_000) } });
    expect422(response, ['body', 'billing_address', 'line1'], 'string_too_long');
  });
});

describe('items', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createBusiness(env.app);
  });
  const post = (body: Json) => tenant.post('/api/v1/items', { name: 'Item', unit_price: 100, ...body });

  it('returns tax_rate as a number and unit_price as an integer', async () => {
    const created = await post({ id: 'it_types', unit_price: 100_000, tax_rate: 18 });
    expect(created.statusCode, created.body).toBe(201);
    const got = await tenant.get('/api/v1/items/it_types');
    for (const body of [created.json(), got.json()]) {
      expect(body.tax_rate).toBe(18);
      expect(typeof body.tax_rate).toBe('number');
      expect(body.unit_price).toBe(100_000);
      expect(Number.isInteger(body.unit_price)).toBe(true);
    }
    expect(created.body).toContain('"tax_rate":18');
    expect(created.body).toContain('"unit_price":100000');
  });

  it('accepts decimal tax rates as numbers or strings up to 4 places', async () => {
    expect((await post({ tax_rate: 12.5 })).json().tax_rate).toBe(12.5);
    expect((await post({ tax_rate: '0.1234' })).json().tax_rate).toBe(0.1234);
    expect((await post({ tax_rate: 100 })).json().tax_rate).toBe(100);
    expect((await post({ tax_rate: '5' })).json().tax_rate).toBe(5);
    expect((await post({})).json().tax_rate).toBe(0);
  });

  it('keeps the largest allowed unit price exactly', async () => {
    const created = await post({ unit_price: 1e15 });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.body).toContain('"unit_price":1000000000000000');
  });

  it.each([
    ['a negative unit_price', { unit_price: -1 }, 'unit_price'],
    ['a fractional unit_price', { unit_price: 10.5 }, 'unit_price'],
    ['a string unit_price', { unit_price: '100' }, 'unit_price'],
    ['a null unit_price', { unit_price: null }, 'unit_price'],
    ['a huge unit_price (1e300)', { unit_price: 1e300 }, 'unit_price'],
    ['a unit_price above 1e15', { unit_price: 1e15 + 1 }, 'unit_price'],
    ['a unit_price beyond 2^53', { unit_price: 2 ** 60 }, 'unit_price'],
    ['a tax_rate with 5 decimals', { tax_rate: 12.34567 }, 'tax_rate'],
    ['a string tax_rate with 5 decimals', { tax_rate: '12.34567' }, 'tax_rate'],
    ['a tax_rate above 100', { tax_rate: 100.5 }, 'tax_rate'],
    ['a string tax_rate above 100', { tax_rate: '100.5' }, 'tax_rate'],
    ['a negative tax_rate', { tax_rate: -1 }, 'tax_rate'],
    ['a huge tax_rate (1e300)', { tax_rate: 1e300 }, 'tax_rate'],
    ['a non-numeric tax_rate', { tax_rate: 'eighteen' }, 'tax_rate'],
    ['a boolean tax_rate', { tax_rate: true }, 'tax_rate'],
    ['a malformed HSN code', { hsn_code: '84-71' }, 'hsn_code'],
    ['a 10k-character description', { description: 'd'.repeat(10_000) }, 'description'],
  ])('refuses %s with 422 naming the field', async (_label, body, field) => {
    const response = await post(body);
    expect(response.statusCode, response.body).toBe(422);
    const locs = (response.json().detail as Json[]).map((d) => d.loc);
    expect(locs.length).toBeGreaterThan(0);
    expect(locs.every((loc) => loc[0] === 'body' && loc[1] === field), JSON.stringify(locs)).toBe(true);
  });

  it('refuses the same bad values on PATCH and leaves the item unchanged', async () => {
    const created = (await post({ id: 'it_patch_bad', unit_price: 500, tax_rate: 5 })).json();
    for (const body of [{ unit_price: -5 }, { tax_rate: 101 }, { tax_rate: '1.00001' }, { currency: 'XYZ' }]) {
      expect((await tenant.request('PATCH', '/api/v1/items/it_patch_bad', body)).statusCode).toBe(422);
    }
    expect((await tenant.get('/api/v1/items/it_patch_bad')).json()).toEqual(created);
  });
});
