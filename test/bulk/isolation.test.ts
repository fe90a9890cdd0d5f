import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf } from '../helpers/assertions.ts';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness } from '../helpers/factories.ts';
import { type Fault, injectFault } from '../helpers/faults.ts';
import { countDocuments, type Fixture, fixture, invoiceEntry } from './support.ts';

/**
 * A row the database refuses although it passed every pre-check (as when another request
 * creates a conflicting row at the same moment) must fail alone: the engine retries the
 * batch one savepoint per row. A trigger raising unique_violation stands in for the race.
 */
let env: TestEnv;
let f: Fixture;
let fault: Fault;

beforeAll(async () => {
  env = await testApp();
  f = await fixture(await createBusiness(env.app));
  fault = await injectFault(env, 'insert', '23505');
});
afterAll(async () => {
  await fault.drop();
  await env.app.close();
});

describe('a row refused by the database fails alone', () => {
  it('commits the other rows, reports conflict.duplicate for the refused one, and counts it in the bulk event', async () => {
    const entries = [invoiceEntry(f), invoiceEntry(f, { reference: fault.marker }), invoiceEntry(f, { auto_approve: true })];
    const response = await f.tenant.post('/bulk/invoices', { invoices: entries });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as Json;
    expect(body.summary).toEqual({ total: 3, succeeded: 2, failed: 1 });
    expect(body.results.map((r: Json) => r.ok)).toEqual([true, false, true]);
    expect(body.results[1].error.code).toBe('conflict.duplicate');
    expect(body.results[2].invoice.number).toMatch(/^INV-\d{5}$/);
    expect(await countDocuments(f.tenant, 'invoices')).toBe(2);
    for (const r of [body.results[0], body.results[2]]) {
      expect((await f.tenant.get(`/api/v1/invoices/${r.invoice.id}`)).statusCode).toBe(200);
    }
    const events = await eventsOf(env, f.tenant.id);
    expect(events.filter((e) => e.type === 'INVOICE_CREATED')).toHaveLength(2);
    expect(events.at(-1)?.payload.data).toEqual({ count: 2, failed: 1, batch_size: 3 });
  });

  it('answers a single create refused by the database with 409 and writes nothing', async () => {
    const before = await countDocuments(f.tenant, 'invoices');
    const response = await f.tenant.post('/api/v1/invoices', invoiceEntry(f, { reference: fault.marker }));
    expect(response.statusCode, response.body).toBe(409);
    expect(await countDocuments(f.tenant, 'invoices')).toBe(before);
  });
});

describe('text PostgreSQL cannot store fails only its item', () => {
  it.each([
    ['a NUL character', 'bad\u0000text'],
    ['a lone surrogate', 'bad\ud800text'],
  ])('rejects the item with %s and creates the others', async (_what, text) => {
    const before = await countDocuments(f.tenant, 'invoices');
    const response = await f.tenant.post('/bulk/invoices', { invoices: [invoiceEntry(f), invoiceEntry(f, { description: text }), invoiceEntry(f)] });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as Json;
    expect(body.results.map((r: Json) => r.ok)).toEqual([true, false, true]);
    expect(body.results[1].error).toMatchObject({ code: 'validation.invalid', field: 'description' });
    expect(await countDocuments(f.tenant, 'invoices')).toBe(before + 2);
  });

  it('refuses such text in a single create with 422 naming the field', async () => {
    const response = await f.tenant.post('/api/v1/invoices', invoiceEntry(f, { reference: 'x\ud800' }));
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0].loc).toEqual(['body', 'reference']);
  });
});
