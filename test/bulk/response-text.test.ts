import Fastify from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bulkResponseSchema } from '../../src/http/bulk/index.ts';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness } from '../helpers/factories.ts';
import { billEntry, expectBulkOk, type Fixture, fixture, invoiceEntry } from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

/** The text Fastify's schema serializer writes for `body` under the route's documented response. */
async function schemaText(kind: 'invoice' | 'bill', body: Json): Promise<string> {
  const app = Fastify();
  app.get('/', { schema: { response: { 200: bulkResponseSchema(kind) } } }, async () => body);
  try {
    return (await app.inject({ method: 'GET', url: '/' })).body;
  } finally {
    await app.close();
  }
}

/**
 * The bulk responses are written by hand around each document's JSON, which the documents'
 * events share. Passed through the documented schema's serializer, they must come back
 * unchanged: no key the schema lacks, none it requires missing, no value it would coerce.
 */
describe('bulk response text', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture(await createBusiness(env.app));
  });

  it('is what the schema writes, for invoices good and bad', async () => {
    const response = await f.tenant.post('/bulk/invoices', {
      invoices: [
        invoiceEntry(f, { reference: 'a "quoted" ref', description: 'Ünïcode — ✓\nsecond line' }),
        invoiceEntry(f, { customer_id: 'ct_missing' }),
        invoiceEntry(f, { auto_approve: true, line_items: [{ item_id: f.item.id, quantity: 2.5, discount_percent: 10 }] }),
        { bogus: true },
      ],
    });
    const body = expectBulkOk(response, 'invoices', 4, 2);
    expect(JSON.parse(await schemaText('invoice', body))).toEqual(body);
    expect(body.results[0].invoice.description).toBe('Ünïcode — ✓\nsecond line');
    expect(body.results[2].invoice.journal_entries.length).toBeGreaterThan(0);
  });

  it('is what the schema writes, for bills', async () => {
    const response = await f.tenant.post('/bulk/bills', { bills: [billEntry(f, 'B-1'), billEntry(f, 'B-1'), billEntry(f, 'B-2', { auto_approve: true })] });
    const body = expectBulkOk(response, 'bills', 3, 2);
    expect(JSON.parse(await schemaText('bill', body))).toEqual(body);
  });
});
