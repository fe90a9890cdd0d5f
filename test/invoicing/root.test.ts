import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/modules/businesses/create-business.ts';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem, createVendor } from '../helpers/factories.ts';
import { eventsOf, invoiceBody, ok, type Shop, shop } from './support.ts';

let env: TestEnv;
let s: Shop;

beforeAll(async () => {
  env = await testApp();
  s = await shop(env);
  await createVendor(s.tenant, { id: 'vd_root', name: 'Root Vendor', state: 'IN-MH' });
});
afterAll(() => env.app.close());

/** seeds/000 request-level error: `{"code": status, "message", "error": {code, message, field}}`. */
function expectRootError(response: LightMyRequestResponse, status: number, code: string, field: string | null): Json {
  expect(response.statusCode, response.body).toBe(status);
  const body = response.json();
  expect(Object.keys(body).sort()).toEqual(['code', 'error', 'message', 'request_id']);
  expect(body.request_id).toBe(response.headers['x-request-id']);
  expect(body.code).toBe(status);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'field', 'message']);
  expect(body.error).toMatchObject({ code, field });
  expect(typeof body.error.message).toBe('string');
  return body;
}

const bill = (extra: Json = {}) => ({ vendor_id: 'vd_root', bill_number: 'RB-1', date: '2026-05-12', line_items: [{ name: 'Toner', quantity: 2, unit_price: 4_000, tax_rate: 18 }], ...extra });

describe('POST /invoices (seeds/000 single create)', () => {
  it('creates an invoice: 201 {code: 0, message, invoice}', async () => {
    const response = await s.tenant.post('/invoices', invoiceBody({ date: '2026-05-12T00:00:00' }));
    const body = ok(response, 201);
    expect(Object.keys(body).sort()).toEqual(['code', 'invoice', 'message']);
    expect(body.code).toBe(0);
    expect(typeof body.message).toBe('string');
    expect(body.invoice).toMatchObject({ status: 'draft', customer_id: 'ct_acme', date: '2026-05-12', total: 118_000, business_id: s.tenant.id });
    expect(body.invoice.line_items[0]).toMatchObject({ item_id: 'it_widget', name: 'Widget', unit_price: 100_000 });
  });

  it('is the same resource at GET /api/v1/invoices/{id}', async () => {
    const created = ok(await s.tenant.post('/invoices', invoiceBody({ auto_approve: true })), 201).invoice;
    expect(created.status).toBe('open');
    expect(created.number).toMatch(/^INV-\d{5}$/);
    const native = ok(await s.tenant.get(`/api/v1/invoices/${created.id}`));
    expect(native).toEqual(created);
    const types = (await eventsOf(env, s.tenant.id)).filter((e) => e.payload.data.id === created.id).map((e) => e.type);
    expect(types).toEqual(['INVOICE_CREATED', 'INVOICE_APPROVED']);
  });

  it('answers an unknown customer with 404 in the seeds/000 format naming customer_id', async () => {
    const body = expectRootError(await s.tenant.post('/invoices', invoiceBody({ customer_id: 'ct_ghost' })), 404, 'not_found.resource', 'customer_id');
    expect(body.message).toContain('ct_ghost');
  });

  it("answers another business's item with 404 naming the line", async () => {
    const other = await shop(env);
    await createItem(s.tenant, { id: 'it_root_private', name: 'Private' });
    const response = await other.tenant.post('/invoices', invoiceBody({ line_items: [{ item_id: 'it_widget', quantity: 1 }, { item_id: 'it_root_private', quantity: 1 }] }));
    const body = expectRootError(response, 404, 'not_found.resource', 'line_items[1].item_id');
    expect(body.message).toContain('it_root_private');
  });

  it('answers validation errors with 422 in the seeds/000 format', async () => {
    await createCustomer(s.tenant, { id: 'ct_root_stateless', name: 'Stateless', state: null });
    const { place_of_supply: _, ...noPlace } = invoiceBody({ customer_id: 'ct_root_stateless' });
    expectRootError(await s.tenant.post('/invoices', noPlace), 422, 'validation.required', 'place_of_supply');
    expectRootError(await s.tenant.post('/invoices', invoiceBody({ colour: 'red' })), 422, 'validation.invalid', 'colour');
    const quantity = await s.tenant.post('/invoices', invoiceBody({ line_items: [{ item_id: 'it_widget', quantity: 1.00001 }] }));
    expectRootError(quantity, 422, 'validation.invalid', 'line_items[0].quantity');
  });

  it('needs the invoices.CREATE scope: 403 in the seeds/000 format without it', async () => {
    const reader = await createApiToken(env.database.db, { businessId: s.tenant.id, name: 'reader', scopes: ['invoices.READ', 'bills.CREATE'] });
    const denied = await env.app.inject({ method: 'POST', url: '/invoices', headers: { authorization: `Bearer ${reader.token}` }, payload: invoiceBody() });
    const body = expectRootError(denied, 403, 'auth.forbidden', null);
    expect(body.message).toContain('invoices.CREATE');
    const writer = await createApiToken(env.database.db, { businessId: s.tenant.id, name: 'writer', scopes: ['invoices.CREATE'] });
    const allowed = await env.app.inject({ method: 'POST', url: '/invoices', headers: { authorization: `Bearer ${writer.token}` }, payload: invoiceBody() });
    expect(ok(allowed, 201).code).toBe(0);
  });

  it('answers a missing token with 401 in the seeds/000 format', async () => {
    const response = await env.app.inject({ method: 'POST', url: '/invoices', payload: invoiceBody() });
    expectRootError(response, 401, 'auth.unauthenticated', null);
  });
});

describe('POST /bills (seeds/000 single create)', () => {
  it('creates a bill: 201 {code: 0, message, bill}, the same resource in the native API', async () => {
    const body = ok(await s.tenant.post('/bills', bill({ bill_number: 'RB-100' })), 201);
    expect(Object.keys(body).sort()).toEqual(['bill', 'code', 'message']);
    expect(body.code).toBe(0);
    expect(body.bill).toMatchObject({ object: 'bill', status: 'draft', vendor_id: 'vd_root', bill_number: 'RB-100', total: 9_440 });
    expect(ok(await s.tenant.get(`/api/v1/bills/${body.bill.id}`))).toEqual(body.bill);
  });

  it('answers a duplicate bill_number with 409 conflict.duplicate naming bill_number', async () => {
    ok(await s.tenant.post('/bills', bill({ bill_number: 'RB-DUP' })), 201);
    expectRootError(await s.tenant.post('/bills', bill({ bill_number: 'RB-DUP' })), 409, 'conflict.duplicate', 'bill_number');
  });

  it('needs bills.CREATE', async () => {
    const reader = await createApiToken(env.database.db, { businessId: s.tenant.id, name: 'inv only', scopes: ['invoices.CREATE'] });
    const denied = await env.app.inject({ method: 'POST', url: '/bills', headers: { authorization: `Bearer ${reader.token}` }, payload: bill({ bill_number: 'RB-403' }) });
    expectRootError(denied, 403, 'auth.forbidden', null);
    const list = ok(await s.tenant.get('/api/v1/bills?limit=500'));
    expect(list.items.some((b: Json) => b.bill_number === 'RB-403')).toBe(false);
  });

  it("answers another business's vendor with 404 naming vendor_id", async () => {
    const other = await createBusiness(env.app);
    expectRootError(await other.post('/bills', bill()), 404, 'not_found.resource', 'vendor_id');
  });
});
