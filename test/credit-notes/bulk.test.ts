import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { accountBalance, eventsOf, invoiceBody, ok, openInvoice, shop, trialBalance } from '../invoicing/support.ts';
import { getInvoice, returnOf } from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

const item = (invoice: Json, quantity: number | string, extra: Json = {}) => ({ invoice_id: invoice.id, ...returnOf(invoice, quantity), ...extra });

describe('POST /bulk/credit-notes', () => {
  it('issues the good items and reports each bad one in place (always 200)', async () => {
    const s = await shop(env);
    const a = await openInvoice(s.tenant, invoiceBody());
    const b = await openInvoice(s.tenant, invoiceBody());
    const response = await s.tenant.post('/bulk/credit-notes', {
      credit_notes: [
        item(a, '0.5'),
        { invoice_id: 'missing', reason: 'other', lines: [{ description: 'x', amount: 1, tax_rate: 0 }] },
        item(a, '0.5'),
        item(a, '0.1'), // the first two credited the whole line already
        { invoice_id: b.id, reason: 'other', lines: [{ line_id: b.line_items[0].id, quantity: 1 }], surprise: true },
        'not an object',
        item(b, '0.25', { refund_amount: 5 }),
        item(b, '0.25'),
      ],
    });
    const body = ok(response);
    expect(body).toMatchObject({ code: 0, summary: { total: 8, succeeded: 3, failed: 5 } });
    expect(body.results.map((r: Json) => r.ok)).toEqual([true, false, true, false, false, false, false, true]);
    expect(body.results.filter((r: Json) => r.ok).map((r: Json) => r.credit_note.number)).toEqual(['CN-00001', 'CN-00002', 'CN-00003']);
    expect(body.results[1].error).toMatchObject({ code: 'not_found.resource', field: 'invoice_id' });
    expect(body.results[3].error).toMatchObject({ code: 'validation.invalid', field: 'lines[0].quantity' });
    expect(body.results[4].error.code).toBe('validation.invalid');
    expect(body.results[6].error).toMatchObject({ field: 'refund_amount' });
    expect(await getInvoice(s.tenant, a.id)).toMatchObject({ status: 'manual_paid', balance_due: 0, amount_credited: 118_000 });
    expect(await getInvoice(s.tenant, b.id)).toMatchObject({ balance_due: 118_000 - 29_500 });
    const types = (await eventsOf(env, s.tenant.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'CREDIT_NOTE_CREATED')).toHaveLength(3);
    expect((await eventsOf(env, s.tenant.id)).at(-1)).toMatchObject({ type: 'CREDIT_NOTE_BULK_CREATED', payload: { data: { count: 3, failed: 5, batch_size: 8 } } });
  });

  it('refuses an empty or oversized batch as a whole, in the seeds/000 error shape', async () => {
    const s = await shop(env);
    const empty = await s.tenant.post('/bulk/credit-notes', { credit_notes: [] });
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toMatchObject({ code: 422, error: { field: 'credit_notes' } });
    const invoice = await openInvoice(s.tenant, invoiceBody());
    const many = await s.tenant.post('/bulk/credit-notes', { credit_notes: Array.from({ length: 51 }, () => item(invoice, '0.01')) });
    expect(many.statusCode).toBe(422);
    expect(many.json().error.code).toBe('validation.too_large');
  });

  it('replays an Idempotency-Key with the same numbers and writes nothing twice', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    const payload = { credit_notes: [item(invoice, '0.1'), item(invoice, '0.2')] };
    const first = ok(await s.tenant.post('/bulk/credit-notes', payload, { 'idempotency-key': 'returns-1' }));
    const again = await s.tenant.post('/bulk/credit-notes', payload, { 'idempotency-key': 'returns-1' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first);
    expect(ok(await s.tenant.get('/api/v1/credit-notes')).items).toHaveLength(2);
  });

  it('keeps numbers gapless and caps intact under 10 concurrent bulk calls', async () => {
    const s = await shop(env);
    const invoices = await Promise.all(Array.from({ length: 4 }, () => openInvoice(s.tenant, invoiceBody())));
    // Each call credits 0.1 of every invoice, plus one item that fails: 10 × 4 = 40 notes.
    const calls = Array.from({ length: 10 }, () =>
      s.tenant.post('/bulk/credit-notes', { credit_notes: [...invoices.map((inv) => item(inv, '0.1')), { invoice_id: 'nope', reason: 'other', lines: [{ description: 'x', amount: 1, tax_rate: 0 }] }] }),
    );
    const bodies = (await Promise.all(calls)).map((r) => ok(r));
    const numbers = bodies.flatMap((b) => b.results.filter((r: Json) => r.ok).map((r: Json) => r.credit_note.number));
    expect(numbers).toHaveLength(40);
    expect([...numbers].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `CN-${String(i + 1).padStart(5, '0')}`));
    for (const invoice of invoices) expect(await getInvoice(s.tenant, invoice.id)).toMatchObject({ amount_credited: 118_000, balance_due: 0 });
    const tb = await trialBalance(s.tenant);
    expect(accountBalance(tb, 'INR', '1100')).toBe(0);
    expect(accountBalance(tb, 'INR', '2200')).toBe(0);
  });
});
