import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem } from '../helpers/factories.ts';
import { BATCH, batchItem, CHARGES, chargesOf, createCharge, createCustomers, expectBatch, invoiceCount, withKey } from './support.ts';

/** include_delayed_charges (seeds/004): pending charges become lines of the customer's invoice, exactly once. */
let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

const chargeLines = (invoice: Json) => (invoice.line_items as Json[]).slice(1);

describe('include_delayed_charges', () => {
  it('sweeps every pending charge of the customer into its invoice, priced like any line, and marks them invoiced', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomers(tenant, 2);
    await createItem(tenant, { id: 'it_meter', name: 'Meter', description: 'Metered usage', unit_price: 300, tax_rate: 5, hsn_code: '998315' });
    const usage = await createCharge(tenant, { customer_id: 'ct_0', item_id: 'it_meter', quantity: '2.5' });
    const fee = await createCharge(tenant, { customer_id: 'ct_0', description: 'Setup fee', amount: 10_000, tax_rate: 18 });
    const theirs = await createCharge(tenant, { customer_id: 'ct_1', description: 'Not swept', amount: 99 });
    const response = await tenant.post(BATCH, { items: [batchItem('ct_0')], include_delayed_charges: true, finalize: true });
    const [invoice] = expectBatch(response, 1);
    expect(chargeLines(invoice)).toMatchObject([
      { item_id: 'it_meter', name: 'Meter', description: 'Metered usage', hsn_code: '998315', quantity: 2.5, unit_price: 300, tax_rate: 5, amount: 750, cgst: 19, sgst: 19 },
      { item_id: null, name: 'Setup fee', quantity: 1, unit_price: 10_000, tax_rate: 18, amount: 10_000, cgst: 900, sgst: 900 },
    ]);
    expect(invoice).toMatchObject({ subtotal: 210_750, tax_total: 36_000 + 38 + 1800, total: 210_750 + 37_838, status: 'open' });
    expect(invoice.journal_entries[0].lines).toContainEqual({ account_code: '1100', debit: 248_588, credit: 0 });
    const after = await chargesOf(tenant);
    const byId = new Map(after.map((c) => [c.id, c]));
    for (const charge of [usage, fee]) expect(byId.get(charge.id)).toMatchObject({ status: 'invoiced', invoice_id: invoice.id, invoiced_at: invoice.created_at });
    // Another customer's charge is never swept.
    expect(byId.get(theirs.id)).toMatchObject({ status: 'pending', invoice_id: null });
    const read = await tenant.get(`/api/v1/invoices/${invoice.id}`);
    expect(read.json()).toEqual(invoice);
  });

  it('without the flag, charges are untouched', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomers(tenant, 1);
    const charge = await createCharge(tenant, { customer_id: 'ct_0', description: 'Later', amount: 5 });
    for (const body of [{ items: [batchItem('ct_0')] }, { items: [batchItem('ct_0')], include_delayed_charges: false }]) {
      const [invoice] = expectBatch(await tenant.post(BATCH, body), 1);
      expect(invoice.line_items).toHaveLength(1);
    }
    expect((await tenant.get(`${CHARGES}/${charge.id}`)).json()).toEqual(charge);
  });

  it('a customer twice in one batch gets its charges on the first of its invoices only', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomers(tenant, 2);
    const a = await createCharge(tenant, { customer_id: 'ct_0', description: 'A', amount: 100 });
    const b = await createCharge(tenant, { customer_id: 'ct_0', description: 'B', amount: 200 });
    const items = [batchItem('ct_1'), batchItem('ct_0', { description: 'first' }), batchItem('ct_0', { description: 'second' })];
    const [one, first, second] = expectBatch(await tenant.post(BATCH, { items, include_delayed_charges: true }), 3);
    expect(chargeLines(one)).toEqual([]);
    expect(chargeLines(first).map((l: Json) => l.name)).toEqual(['A', 'B']);
    expect(chargeLines(second)).toEqual([]);
    expect((await chargesOf(tenant)).map((c) => [c.id, c.invoice_id])).toEqual([
      [b.id, first.id],
      [a.id, first.id],
    ]);
  });

  it('leaves charges in another currency pending, and sweeps them later into an invoice in that currency', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomer(tenant, { id: 'ct_x' });
    const inr = await createCharge(tenant, { customer_id: 'ct_x', description: 'INR fee', amount: 100 });
    const usd = await createCharge(tenant, { customer_id: 'ct_x', description: 'USD fee', amount: 100, currency: 'USD' });
    const [invoice] = expectBatch(await tenant.post(BATCH, { items: [batchItem('ct_x')], include_delayed_charges: true }), 1);
    expect(chargeLines(invoice).map((l: Json) => l.name)).toEqual(['INR fee']);
    const status = new Map((await chargesOf(tenant)).map((c) => [c.id, c.status]));
    expect([status.get(inr.id), status.get(usd.id)]).toEqual(['invoiced', 'pending']);
    // Once the customer is billed in USD, the next batch takes the USD charge.
    expect((await tenant.request('PATCH', '/api/v1/customers/ct_x', { currency: 'USD' })).statusCode).toBe(200);
    const [usdInvoice] = expectBatch(await tenant.post(BATCH, { items: [batchItem('ct_x')], include_delayed_charges: true }), 1);
    expect(usdInvoice.currency).toBe('USD');
    expect(chargeLines(usdInvoice).map((l: Json) => l.name)).toEqual(['USD fee']);
  });

  it('a second batch finds nothing left to sweep; an idempotent replay sweeps nothing again', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomers(tenant, 1);
    await createCharge(tenant, { customer_id: 'ct_0', description: 'Once', amount: 100 });
    const body = { items: [batchItem('ct_0')], include_delayed_charges: true };
    const first = await tenant.post(BATCH, body, withKey('sweep-1'));
    expect(chargeLines(expectBatch(first, 1)[0])).toHaveLength(1);
    const replay = await tenant.post(BATCH, body, withKey('sweep-1'));
    expect(replay.body).toBe(first.body);
    const [next] = expectBatch(await tenant.post(BATCH, body), 1);
    expect(chargeLines(next)).toEqual([]);
    expect(await invoiceCount(tenant)).toBe(2);
  });

  it('4 concurrent batches for the same customer put each charge on exactly one invoice and lose none', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomers(tenant, 2);
    const charges: Json[] = [];
    for (let i = 0; i < 12; i++) charges.push(await createCharge(tenant, { customer_id: i % 3 === 2 ? 'ct_1' : 'ct_0', description: `c${i}`, amount: 100 + i }));
    const batches = await Promise.all(
      Array.from({ length: 4 }, (_, k) =>
        tenant.post(BATCH, { items: [batchItem(k % 2 === 0 ? 'ct_0' : 'ct_1'), batchItem('ct_0'), batchItem('ct_1')], include_delayed_charges: true, finalize: true }),
      ),
    );
    const invoices = batches.flatMap((response) => expectBatch(response, 3));
    const lineOwner = new Map<string, string[]>();
    for (const invoice of invoices) {
      for (const line of chargeLines(invoice)) lineOwner.set(line.name, [...(lineOwner.get(line.name) ?? []), invoice.id]);
    }
    // Every charge on exactly one invoice, and that invoice is the one the charge names.
    expect([...lineOwner.keys()].sort()).toEqual(charges.map((c) => c.description).sort());
    const after = await chargesOf(tenant);
    expect(after).toHaveLength(12);
    for (const charge of after) {
      expect(charge.status).toBe('invoiced');
      expect(lineOwner.get(charge.description)).toEqual([charge.invoice_id]);
      const invoice = invoices.find((i) => i.id === charge.invoice_id);
      expect(invoice.customer_id).toBe(charge.customer_id);
    }
    // Totals carry exactly the swept amounts; numbers stay gapless across the racing batches.
    const swept = invoices.reduce((sum, i) => sum + chargeLines(i).reduce((s: number, l: Json) => s + l.amount, 0), 0);
    expect(swept).toBe(charges.reduce((s, c) => s + c.amount, 0));
    const counters = invoices.map((i) => Number(/(\d+)$/.exec(i.number)?.[1])).sort((x, y) => x - y);
    expect(counters).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('a charge edited or deleted while a batch sweeps is either changed first and swept as changed, or swept and then refused', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomers(tenant, 1);
    const charges = await Promise.all(Array.from({ length: 6 }, (_, i) => createCharge(tenant, { customer_id: 'ct_0', description: `r${i}`, amount: 10 })));
    const [batch, ...edits] = await Promise.all([
      tenant.post(BATCH, { items: [batchItem('ct_0')], include_delayed_charges: true }),
      ...charges.slice(0, 3).map((c) => tenant.request('PATCH', `${CHARGES}/${c.id}`, { amount: 20 })),
      ...charges.slice(3).map((c) => tenant.request('DELETE', `${CHARGES}/${c.id}`)),
    ]);
    const [invoice] = expectBatch(batch as Json, 1);
    const onInvoice = new Map(chargeLines(invoice).map((l: Json) => [l.name, l.amount]));
    const left = new Map((await chargesOf(tenant)).map((c) => [c.description, c]));
    charges.forEach((charge, i) => {
      const edit = edits[i] as Json;
      const swept = onInvoice.get(charge.description);
      const now = left.get(charge.description);
      if (edit.statusCode === 409) {
        // Swept first: the invoice has the charge as it was, and it stays so.
        expect(swept).toBe(10);
        expect(now).toMatchObject({ status: 'invoiced', invoice_id: invoice.id, amount: 10 });
      } else if (i < 3) {
        expect(edit.statusCode, edit.body).toBe(200);
        // Changed first: on the invoice with the new amount, or still pending with it.
        expect(now?.amount).toBe(20);
        expect(now?.status).toBe(swept === undefined ? 'pending' : 'invoiced');
        if (swept !== undefined) expect(swept).toBe(20);
      } else {
        expect(edit.statusCode, edit.body).toBe(204);
        expect(swept).toBeUndefined();
        expect(now).toBeUndefined();
      }
    });
  });
});

describe('a sweep the batch cannot take', () => {
  let small: TestEnv;
  beforeAll(async () => {
    small = await testApp({ maxLineItems: 3 });
  });
  afterAll(() => small.app.close());

  it('charges that would overflow the invoice → 422 naming the item; nothing is written and the charges stay pending', async () => {
    const tenant = await createBusiness(small.app);
    await createCustomers(tenant, 2);
    const charges = await Promise.all(['a', 'b', 'c'].map((d) => createCharge(tenant, { customer_id: 'ct_1', description: d, amount: 10 })));
    const response = await tenant.post(BATCH, { items: [batchItem('ct_0'), batchItem('ct_1')], include_delayed_charges: true });
    expect(response.statusCode, response.body).toBe(422);
    expect(response.json().detail[0].loc).toEqual(['body', 'items', 1, 'line_items']);
    expect(await invoiceCount(tenant)).toBe(0);
    expect((await chargesOf(tenant)).map((c) => [c.id, c.status, c.invoice_id]).sort()).toEqual(charges.map((c) => [c.id, 'pending', null]).sort());
  });
});
