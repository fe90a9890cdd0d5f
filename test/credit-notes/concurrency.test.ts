import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testApp } from '../helpers/app.ts';
import { accountBalance, finalize, invoiceBody, ok, openInvoice, pay, shop, trialBalance } from '../invoicing/support.ts';
import { creditNote, getInvoice, returnOf, voidNote } from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

describe('notes under concurrency', () => {
  it('10 concurrent full credits of one invoice: exactly one is issued, the caps hold', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    const responses = await Promise.all(Array.from({ length: 10 }, () => creditNote(s.tenant, invoice.id, returnOf(invoice, 1))));
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, ...Array(9).fill(422)]);
    expect(await getInvoice(s.tenant, invoice.id)).toMatchObject({ amount_credited: 118_000, balance_due: 0 });
    expect(ok(await s.tenant.get('/api/v1/credit-notes')).items.map((n: { number: string }) => n.number)).toEqual(['CN-00001']);
  });

  it('a credit balance is applied once when several invoices of the customer are finalized at once', async () => {
    const s = await shop(env);
    const paid = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, paid.id, { amount: paid.total }), 201);
    ok(await creditNote(s.tenant, paid.id, returnOf(paid, '0.5', { credit_amount: 59_000 })), 201);
    const drafts = await Promise.all(Array.from({ length: 5 }, async () => ok(await s.tenant.post('/api/v1/invoices', invoiceBody({ line_items: [{ item_id: 'it_widget', quantity: '0.2' }] })), 201)));
    const finalized = (await Promise.all(drafts.map((d) => finalize(s.tenant, d.id)))).map((r) => ok(r));
    const applied = finalized.reduce((sum, inv) => sum + inv.total_paid, 0);
    expect(applied).toBe(59_000);
    expect(finalized.filter((i) => i.status === 'manual_paid')).toHaveLength(2); // 23,600 each
    expect(ok(await s.tenant.get('/api/v1/customers/ct_acme')).credit_balance).toEqual({});
    const tb = await trialBalance(s.tenant);
    expect(accountBalance(tb, 'INR', '2300')).toBe(0);
    expect(accountBalance(tb, 'INR', '1100')).toBe(5 * 23_600 - 59_000);
  });

  it('voids a debit note while it is unpaid', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    const note = ok(await s.tenant.post(`/api/v1/invoices/${invoice.id}/debit-notes`, { date: '2026-06-01', lines: [{ description: 'Freight', amount: 1_000, tax_rate: 18 }] }), 201);
    expect((await getInvoice(s.tenant, invoice.id)).balance_due).toBe(119_180);
    const voided = ok(await voidNote(s.tenant, note.id, 'debit-notes'));
    expect(voided.status).toBe('void');
    expect(await getInvoice(s.tenant, invoice.id)).toMatchObject({ balance_due: 118_000, amount_debited: 0, status: 'open' });
    expect(accountBalance(await trialBalance(s.tenant), 'INR', '1100')).toBe(118_000);
  });
});
