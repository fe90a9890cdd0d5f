import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createOrder, eventsOf, expectInvoices, invoiceOrders, shop } from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

const range = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

async function invoiceRows(businessId: string) {
  return (
    await sql<{ id: string; order_id: string; entity_id: string; number: string | null }>`
      select id, order_id, entity_id, number from invoices where business_id = ${businessId} order by entity_id::int`.execute(env.database.db)
  ).rows;
}

describe('concurrent calls', () => {
  it('two calls racing for the same order make one invoice; both return it', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_race' });
    const responses = await Promise.all([0, 1, 2, 3].map(() => invoiceOrders(env, s.tenant, { orderIds: ['ord_race'] })));
    const returned = responses.map((r) => expectInvoices(r, 1)[0] as Json);
    expect(new Set(returned.map((r) => r.id)).size).toBe(1);
    expect(new Set(returned.map((r) => r.entityId))).toEqual(new Set(['1']));
    expect(responses.filter((r) => r.json().message === '1 invoice created.')).toHaveLength(1);
    expect(await invoiceRows(s.tenant.id)).toHaveLength(1);
    expect((await eventsOf(env, s.tenant.id)).filter((e) => e.type === 'INVOICE_CREATED')).toHaveLength(1);
  });

  it('10 concurrent calls over overlapping orders, in different orders: one invoice each, entityIds gapless 1..N', async () => {
    const s = await shop(env);
    const ids = Array.from({ length: 20 }, (_, i) => `ord_${String(i).padStart(2, '0')}`);
    for (const id of ids) await createOrder(s.tenant, { id });
    // Call k names 5 orders, overlapping its neighbours, half of them in reverse order.
    const calls = Array.from({ length: 10 }, (_, k) => {
      const chosen = Array.from({ length: 5 }, (_, j) => ids[(2 * k + j) % ids.length] as string);
      return k % 2 === 0 ? chosen : chosen.reverse();
    });
    const responses = await Promise.all(calls.map((orderIds) => invoiceOrders(env, s.tenant, { orderIds })));
    const byOrder = new Map<string, Json>();
    responses.forEach((response, k) => {
      const data = expectInvoices(response, 5);
      expect(data.map((d) => d.order)).toEqual(calls[k]);
      for (const d of data) {
        const seen = byOrder.get(d.order);
        if (seen) expect(d).toEqual(seen);
        byOrder.set(d.order, d);
      }
    });
    const rows = await invoiceRows(s.tenant.id);
    expect(rows).toHaveLength(byOrder.size);
    expect(rows.map((r) => r.entity_id)).toEqual(range(rows.length));
    expect(new Set(rows.map((r) => r.order_id)).size).toBe(rows.length);
    expect(new Set(rows.map((r) => r.number)).size).toBe(rows.length);
  });

  it('10 concurrent calls over distinct orders: entityIds exactly 1..30, ascending within each call', async () => {
    const s = await shop(env);
    const ids = Array.from({ length: 30 }, (_, i) => `o${i}`);
    for (const id of ids) await createOrder(s.tenant, { id });
    const responses = await Promise.all(Array.from({ length: 10 }, (_, k) => invoiceOrders(env, s.tenant, { orderIds: ids.slice(3 * k, 3 * k + 3) })));
    const entityIds = responses.flatMap((response) => {
      const got = expectInvoices(response, 3).map((d) => Number(d.entityId));
      expect(got).toEqual([got[0], (got[0] as number) + 1, (got[0] as number) + 2]);
      return got;
    });
    expect(entityIds.sort((a, b) => a - b).map(String)).toEqual(range(30));
  });

  it('a call that fails with 404 while others succeed leaves no gap', async () => {
    const s = await shop(env);
    for (const id of ['g1', 'g2', 'g3', 'g4']) await createOrder(s.tenant, { id });
    const responses = await Promise.all([
      invoiceOrders(env, s.tenant, { orderIds: ['g1'] }),
      invoiceOrders(env, s.tenant, { orderIds: ['g2', 'nope'] }),
      invoiceOrders(env, s.tenant, { orderIds: ['g3'] }),
      invoiceOrders(env, s.tenant, { orderIds: ['g4'] }),
    ]);
    expect(responses.map((r) => r.statusCode)).toEqual([201, 404, 201, 201]);
    expect((await invoiceRows(s.tenant.id)).map((r) => r.entity_id)).toEqual(range(3));
  });

  it('cancel racing with invoicing: the order ends either invoiced or cancelled, never both', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_cx' });
    const [invoiced, cancelled] = await Promise.all([
      invoiceOrders(env, s.tenant, { orderIds: ['ord_cx'] }),
      s.tenant.post('/api/v1/orders/ord_cx/cancel'),
    ]);
    const order = (await s.tenant.get('/api/v1/orders/ord_cx')).json();
    if (invoiced.statusCode === 201) {
      expect(cancelled.statusCode).toBe(409);
      expect(order.status).toBe('invoiced');
    } else {
      expect(invoiced.statusCode).toBe(404);
      expect(cancelled.statusCode).toBe(200);
      expect(order.status).toBe('cancelled');
      expect(await invoiceRows(s.tenant.id)).toHaveLength(0);
    }
  });
});

describe('the database itself keeps one invoice per order', () => {
  it('a second invoice row for an order is refused by the unique index', async () => {
    const s = await shop(env);
    await createOrder(s.tenant, { id: 'ord_idx' });
    const [made] = expectInvoices(await invoiceOrders(env, s.tenant, { orderIds: ['ord_idx'] }), 1) as [Json];
    const copy = sql`insert into invoices select business_id, ${`${made.id}x`}, kind, status, customer_id, vendor_id, party_name, party_email, null, bill_number,
        currency, date, due_date, place_of_supply, tax_regime, description, reference, subtotal, discount_total, cgst, sgst, igst, tax, tax_total, total, 0,
        ${`${made.id}x`}, order_id, import_id, null, stripe_invoice_id, recurring_template_id, delivered, delivered_on, paid_on, finalized_at, voided_at, created_at, updated_at
      from invoices where business_id = ${s.tenant.id} and id = ${made.id}`;
    await expect(copy.execute(env.database.db)).rejects.toMatchObject({ code: '23505' });
  });
});
