import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expect422, expectDetail } from '../helpers/assertions.ts';
import { createBusiness } from '../helpers/factories.ts';
import { bearer, limitedToken } from '../foundation/support.ts';
import { importApp, ok } from './support.ts';

let env: Awaited<ReturnType<typeof importApp>>;
beforeAll(async () => {
  env = await importApp();
});
afterAll(() => env.app.close());

describe('/api/v1/bank-accounts', () => {
  it('create, get, list, update; each account gets its own ledger account under Cash and Bank', async () => {
    const tenant = await createBusiness(env.app);
    const first = ok(await tenant.post('/api/v1/bank-accounts', { name: 'HDFC Current', currency: 'INR', last4: '4321' }), 201);
    expect(first).toMatchObject({ object: 'bank_account', name: 'HDFC Current', currency: 'INR', last4: '4321', account_code: '1000-01' });
    const second = ok(await tenant.post('/api/v1/bank-accounts', { name: 'Wise USD', currency: 'USD' }), 201);
    expect(second).toMatchObject({ account_code: '1000-02', last4: null });
    expect(ok(await tenant.get(`/api/v1/bank-accounts/${first.id}`))).toEqual(first);
    const list = ok(await tenant.get('/api/v1/bank-accounts?include_total=true'));
    expect(list).toMatchObject({ total: 2, has_next: false });
    expect(list.items.map((a: { id: string }) => a.id)).toEqual([second.id, first.id]);
    const renamed = ok(await tenant.request('PATCH', `/api/v1/bank-accounts/${first.id}`, { name: 'HDFC Main', last4: null }));
    expect(renamed).toMatchObject({ name: 'HDFC Main', last4: null, currency: 'INR', account_code: '1000-01' });
  });

  it('concurrent creates get distinct ledger accounts', async () => {
    const tenant = await createBusiness(env.app);
    const created = await Promise.all(Array.from({ length: 5 }, (_, i) => tenant.post('/api/v1/bank-accounts', { name: `A${i}`, currency: 'INR' })));
    const codes = created.map((r) => ok(r, 201).account_code).sort();
    expect(codes).toEqual(['1000-01', '1000-02', '1000-03', '1000-04', '1000-05']);
  });

  it('bad input is 422 at the field; the currency cannot change', async () => {
    const tenant = await createBusiness(env.app);
    expect422(await tenant.post('/api/v1/bank-accounts', { currency: 'INR' }), ['body', 'name']);
    expect422(await tenant.post('/api/v1/bank-accounts', { name: 'X', currency: 'XYZ' }), ['body', 'currency']);
    expect422(await tenant.post('/api/v1/bank-accounts', { name: 'X', currency: 'INR', last4: '12a4' }), ['body', 'last4']);
    expect422(await tenant.post('/api/v1/bank-accounts', { name: 'X', currency: 'INR', iban: 'DE89' }), ['body', 'iban']);
    const account = ok(await tenant.post('/api/v1/bank-accounts', { name: 'X', currency: 'INR' }), 201);
    expect422(await tenant.request('PATCH', `/api/v1/bank-accounts/${account.id}`, { currency: 'USD' }), ['body', 'currency']);
    expectDetail(await tenant.get('/api/v1/bank-accounts/nope'), 404);
    expectDetail(await tenant.get('/api/v1/bank-transactions/nope'), 404);
    expect422(await tenant.get('/api/v1/bank-transactions?status=lost'), ['query', 'status']);
    expect422(await tenant.get('/api/v1/bank-transactions?date_from=2026-02-30x'), ['query', 'date_from']);
  });

  it('needs the banking scope', async () => {
    const tenant = await createBusiness(env.app);
    const account = ok(await tenant.post('/api/v1/bank-accounts', { name: 'X', currency: 'INR' }), 201);
    const { token } = await limitedToken(env, tenant, ['banking.READ']);
    const headers = { ...bearer(token), 'x-business-id': tenant.id };
    expect((await env.app.inject({ method: 'GET', url: `/api/v1/bank-accounts/${account.id}`, headers })).statusCode).toBe(200);
    expectDetail(await env.app.inject({ method: 'POST', url: '/api/v1/bank-accounts', headers, payload: { name: 'Y', currency: 'INR' } }), 403);
    expectDetail(await env.app.inject({ method: 'POST', url: `/api/v1/bank-accounts/${account.id}/statements`, headers, payload: { s3_key: 'x' } }), 403);
    const { token: invoicesOnly } = await limitedToken(env, tenant, ['invoices.READ']);
    expectDetail(await env.app.inject({ method: 'GET', url: '/api/v1/bank-transactions', headers: { ...bearer(invoicesOnly), 'x-business-id': tenant.id } }), 403);
  });
});
