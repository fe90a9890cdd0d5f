import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFLICT_ATTEMPTS } from '../../src/modules/context.ts';
import { type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem, type Tenant } from '../helpers/factories.ts';
import { injectFault } from '../helpers/faults.ts';

/**
 * Deadlocks (40P01) and serialization failures (40001) are retried inside Billow a bounded
 * number of times (CONFLICT_ATTEMPTS runs of the transaction); past that the client gets 503
 * with Retry-After and nothing was written. The failures are raised by a trigger on demand.
 */

let env: TestEnv;
let tenant: Tenant;
beforeAll(async () => {
  env = await testApp();
  tenant = await createBusiness(env.app);
  await createCustomer(tenant, { id: 'ct_a', name: 'Acme', state: 'IN-MH' });
  await createItem(tenant, { id: 'it_w', name: 'Widget', unit_price: 100_000, tax_rate: 18 });
});
afterAll(() => env.app.close());

const invoice = (reference: string) => ({ customer_id: 'ct_a', date: '2026-05-12T00:00:00', place_of_supply: 'IN-MH', line_items: [{ item_id: 'it_w', quantity: 1 }], auto_approve: true, reference });
const count = async (reference: string) => (await tenant.get('/api/v1/invoices?limit=500')).json().items.filter((i: { reference: string }) => i.reference === reference).length;

describe('conflicts retried inside Billow', () => {
  it.each(['40001', '40P01'])('%s twice, then a pass: the request succeeds once, with its number', async (errcode) => {
    const fault = await injectFault(env, 'insert', errcode, CONFLICT_ATTEMPTS - 1);
    try {
      const response = await tenant.post('/api/v1/invoices', invoice(fault.marker), { 'idempotency-key': `conflict-${fault.marker}` });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json().number).toMatch(/\d+$/);
      expect(await count(fault.marker)).toBe(1);
    } finally {
      await fault.drop();
    }
  });

  it('a conflict on every run: 503 with Retry-After after the bounded attempts, nothing written, the key free for a retry', async () => {
    const fault = await injectFault(env, 'insert', '40001', CONFLICT_ATTEMPTS);
    try {
      const key = { 'idempotency-key': `conflict-${fault.marker}` };
      const refused = await tenant.post('/api/v1/invoices', invoice(fault.marker), key);
      expect(refused.statusCode, refused.body).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json().detail).toMatch(/Retry it with the same Idempotency-Key/);
      expect(await count(fault.marker)).toBe(0);
      // The sequence has run out: the retry with the same key passes.
      const retried = await tenant.post('/api/v1/invoices', invoice(fault.marker), key);
      expect(retried.statusCode, retried.body).toBe(201);
      expect(await count(fault.marker)).toBe(1);
    } finally {
      await fault.drop();
    }
  });
});
