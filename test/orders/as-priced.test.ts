import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createOrder, shop } from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(async () => {
  await env.app.close();
});

describe('an order is invoiced as it was priced', () => {
  it('an item renamed, repriced, retaxed and moved to another currency after the order leaves its invoice as ordered', async () => {
    const s = await shop(env);
    const order = await createOrder(s.tenant);
    const patch = await s.tenant.request('PATCH', '/api/v1/items/it_tee', { name: 'Renamed', unit_price: 999_999, tax_rate: 5, hsn_code: '9999', currency: 'USD' });
    expect(patch.statusCode, patch.body).toBe(200);
    const response = await s.tenant.post('/invoices/bulk', { orderIds: [order.id] });
    expect(response.statusCode, response.body).toBe(201);
    const { id } = (response.json() as Json).data[0];
    const invoice = (await s.tenant.get(`/api/v1/invoices/${id}`)).json() as Json;
    expect(invoice.total).toBe(order.total);
    expect(invoice.line_items.map((l: Json) => [l.item_id, l.name, l.unit_price, l.tax_rate, l.hsn_code])).toEqual(
      order.line_items.map((l: Json) => [l.item_id, l.name, l.unit_price, l.tax_rate, l.hsn_code]),
    );
    expect(invoice.line_items[0]).toMatchObject({ item_id: 'it_tee', name: 'T-shirt', unit_price: 100_000, tax_rate: 18, hsn_code: '6109' });
  });
});
