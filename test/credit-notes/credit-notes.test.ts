import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { bearer, limitedToken } from '../foundation/support.ts';
import { createBusiness, createCustomer } from '../helpers/factories.ts';
import { accountBalance, eventsOf, expect422, expectDetail, invoiceBody, ok, openInvoice, pay, postings, shop, trialBalance } from '../invoicing/support.ts';
import { gstProfile, pdfText } from '../documents/support.ts';
import { creditNote, debitNote, getInvoice, returnOf, voidNote } from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

// The shop's invoice: one widget, 100,000 + 9% CGST + 9% SGST = 118,000.
describe('POST /api/v1/invoices/{id}/credit-notes before payment', () => {
  it('credits half of an open invoice: balance_due drops, tax reversed per component, AR credited', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    const note = ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.5', { memo: 'one half came back' })), 201);
    expect(note).toMatchObject({
      object: 'credit_note',
      number: 'CN-00001',
      invoice_id: invoice.id,
      invoice_number: invoice.number,
      invoice_date: '2026-05-12',
      customer_id: 'ct_acme',
      date: '2026-06-01',
      status: 'issued',
      reason: 'sales_return',
      memo: 'one half came back',
      subtotal: 50_000,
      cgst: 4_500,
      sgst: 4_500,
      igst: 0,
      tax_total: 9_000,
      total: 59_000,
      pre_payment_amount: 59_000,
      post_payment_amount: 0,
      refund_amount: 0,
    });
    expect(note.lines).toEqual([expect.objectContaining({ line_id: invoice.line_items[0].id, quantity: 0.5, tax_rate: 18, taxable_amount: 50_000, cgst: 4_500, sgst: 4_500, total: 59_000 })]);
    expect(note.journal_entries).toHaveLength(1);
    expect(postings(note.journal_entries[0])).toEqual({ '4000': 50_000, '2200': 4_500, '2201': 4_500, '1100': -59_000 });
    expect(note.pdf_url).toMatch(new RegExp(`/api/v1/credit-notes/${note.id}/pdf$`));
    const after = await getInvoice(s.tenant, invoice.id);
    expect(after).toMatchObject({ status: 'open', balance_due: 59_000, amount_credited: 59_000, credit_notes: [note.id], total_paid: 0 });
    expect(accountBalance(await trialBalance(s.tenant), 'INR', '1100')).toBe(59_000);
    expect(ok(await s.tenant.get(`/api/v1/credit-notes/${note.id}`))).toEqual(note);
    const events = await eventsOf(env, s.tenant.id);
    expect(events.at(-1)).toMatchObject({ type: 'CREDIT_NOTE_CREATED', payload: { data: { id: note.id, number: 'CN-00001' } } });
  });

  it('an open invoice credited to zero counts as settled (manual_paid), and a payment is refused', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, 1)), 201);
    const after = await getInvoice(s.tenant, invoice.id);
    expect(after).toMatchObject({ status: 'manual_paid', balance_due: 0, amount_credited: 118_000, total_paid: 0 });
    expectDetail(await pay(s.tenant, invoice.id, { amount: 1 }), 409);
  });

  it('credits a taxable amount of a line and a free line at its own rate', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody({ place_of_supply: 'IN-KA' }));
    const body = { date: '2026-06-01', reason: 'post_sale_discount', lines: [{ line_id: invoice.line_items[0].id, amount: 10_000 }, { description: 'Goodwill', amount: 1_000, tax_rate: 5 }] };
    const note = ok(await creditNote(s.tenant, invoice.id, body), 201);
    expect(note).toMatchObject({ subtotal: 11_000, igst: 1_800 + 50, cgst: 0, total: 12_850 });
    expect((await getInvoice(s.tenant, invoice.id)).balance_due).toBe(118_000 - 12_850);
  });

  it('crediting a line in parts reverses exactly its tax', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody({ line_items: [{ name: 'Odd', quantity: 3, unit_price: 1, tax_rate: 50 }] }));
    expect(invoice).toMatchObject({ subtotal: 3, cgst: 1, sgst: 1 });
    const parts = [];
    for (let i = 0; i < 3; i++) parts.push(ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, 1)), 201));
    expect(parts.reduce((sum, n) => sum + n.cgst, 0)).toBe(1);
    expect(parts.map((n) => n.number)).toEqual(['CN-00001', 'CN-00002', 'CN-00003']);
    expect(await getInvoice(s.tenant, invoice.id)).toMatchObject({ balance_due: 0, amount_credited: 5 });
  });
});

describe('credit notes after payment', () => {
  async function paidInvoice() {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, invoice.id, { amount: invoice.total }), 201);
    return { s, invoice };
  }

  it('refunds half of a paid invoice: Cr Bank, the invoice stays paid', async () => {
    const { s, invoice } = await paidInvoice();
    const note = ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.5', { refund_amount: 59_000 })), 201);
    expect(note).toMatchObject({ pre_payment_amount: 0, post_payment_amount: 59_000, refund_amount: 59_000 });
    expect(postings(note.journal_entries[0])).toEqual({ '4000': 50_000, '2200': 4_500, '2201': 4_500, '1000': -59_000 });
    expect(await getInvoice(s.tenant, invoice.id)).toMatchObject({ status: 'manual_paid', balance_due: 0, amount_credited: 59_000 });
    const tb = await trialBalance(s.tenant);
    expect(accountBalance(tb, 'INR', '1000')).toBe(59_000);
    expect(accountBalance(tb, 'INR', '1100')).toBe(0);
    expect(accountBalance(tb, 'INR', '4000')).toBe(-50_000);
  });

  it('splits a credit on a partly paid invoice into the unpaid part and a refund', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, invoice.id, { amount: 100_000 }), 201);
    const note = ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.5', { refund_amount: 41_000 })), 201);
    expect(note).toMatchObject({ pre_payment_amount: 18_000, post_payment_amount: 41_000 });
    expect(postings(note.journal_entries[0])).toMatchObject({ '1100': -18_000, '1000': -41_000 });
    expect(await getInvoice(s.tenant, invoice.id)).toMatchObject({ status: 'manual_paid', balance_due: 0, total_paid: 100_000 });
  });

  it('puts a credit on the customer balance, applied when the next invoice is finalized', async () => {
    const { s, invoice } = await paidInvoice();
    const note = ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.5', { credit_amount: 59_000 })), 201);
    expect(postings(note.journal_entries[0])).toMatchObject({ '2300': -59_000 });
    expect(ok(await s.tenant.get('/api/v1/customers/ct_acme')).credit_balance).toEqual({ INR: 59_000 });
    expect(accountBalance(await trialBalance(s.tenant), 'INR', '2300')).toBe(-59_000);

    // A balance pays invoices in its own currency only.
    const dollars = await openInvoice(s.tenant, invoiceBody({ currency: 'USD', line_items: [{ name: 'Export', quantity: 1, unit_price: 5_000, tax_rate: 0 }] }));
    expect(dollars).toMatchObject({ total_paid: 0, payments: [], status: 'open' });

    const next = await openInvoice(s.tenant, invoiceBody({ line_items: [{ item_id: 'it_widget', quantity: '0.25' }] }));
    expect(next).toMatchObject({ total: 29_500, total_paid: 29_500, balance_due: 0, status: 'manual_paid' });
    expect(next.payments).toEqual([expect.objectContaining({ amount: 29_500, source: 'credit' })]);
    expect(postings(next.journal_entries.find((e: Json) => e.kind === 'customer_credit_applied'))).toEqual({ '2300': 29_500, '1100': -29_500 });
    expect(ok(await s.tenant.get('/api/v1/customers/ct_acme')).credit_balance).toEqual({ INR: 29_500 });

    // The bulk path with auto_approve applies what is left, then nothing more.
    const bulk = ok(await s.tenant.post('/bulk/invoices', { invoices: [invoiceBody({ auto_approve: true }), invoiceBody({ auto_approve: true })] }));
    const [first, second] = bulk.results.map((r: Json) => r.invoice);
    expect(first).toMatchObject({ total_paid: 29_500, balance_due: 118_000 - 29_500, status: 'partially_paid' });
    expect(second).toMatchObject({ total_paid: 0, status: 'open' });
    expect(ok(await s.tenant.get('/api/v1/customers/ct_acme')).credit_balance).toEqual({});
    const applied = (await eventsOf(env, s.tenant.id)).filter((e) => e.type === 'CUSTOMER_CREDIT_APPLIED');
    expect(applied.map((e) => e.payload.data.amount)).toEqual([29_500, 29_500]);
    expect(accountBalance(await trialBalance(s.tenant), 'INR', '2300')).toBe(0);
  });

  it('settles out of band: Cr AR, then Dr AR / Cr Bank', async () => {
    const { s, invoice } = await paidInvoice();
    const note = ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.5', { refund_amount: 9_000, out_of_band_amount: 50_000 })), 201);
    expect(note.journal_entries).toHaveLength(2);
    expect(postings(note.journal_entries[0])).toMatchObject({ '1100': -50_000, '1000': -9_000 });
    expect(postings(note.journal_entries[1])).toEqual({ '1100': 50_000, '1000': -50_000 });
    const tb = await trialBalance(s.tenant);
    expect(accountBalance(tb, 'INR', '1100')).toBe(0);
    expect(accountBalance(tb, 'INR', '1000')).toBe(59_000);
  });

  it('refuses settlement amounts that do not add up to the post-payment part', async () => {
    const { s, invoice } = await paidInvoice();
    expect422(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.5', { refund_amount: 50_000 })), ['body', 'refund_amount']);
    expect422(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.5')), ['body', 'refund_amount']);
    const open = await openInvoice(s.tenant, invoiceBody());
    expect422(await creditNote(s.tenant, open.id, returnOf(open, '0.5', { credit_amount: 1 })), ['body', 'credit_amount']);
    expect((await getInvoice(s.tenant, invoice.id)).credit_notes).toEqual([]);
  });
});

describe('caps, dates and states', () => {
  it('refuses over-credit of any component, naming it', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    const lineId = invoice.line_items[0].id;
    expect422(await creditNote(s.tenant, invoice.id, { reason: 'other', date: '2026-06-01', lines: [{ description: 'Too much', amount: 100_001, tax_rate: 0 }] }), ['body', 'subtotal']);
    ok(await creditNote(s.tenant, invoice.id, { reason: 'other', date: '2026-06-01', lines: [{ line_id: lineId, amount: 50_000 }] }), 201);
    const cgst = await creditNote(s.tenant, invoice.id, { reason: 'correction', date: '2026-06-01', lines: [{ description: 'Rate was 28%', amount: 40_000, tax_rate: 28 }] });
    expect422(cgst, ['body', 'cgst']);
    expect422(await creditNote(s.tenant, invoice.id, returnOf(invoice, 2)), ['body', 'lines', 0, 'quantity']);
    expect422(await creditNote(s.tenant, invoice.id, { reason: 'other', date: '2026-06-01', lines: [{ line_id: lineId, amount: 50_001 }] }), ['body', 'lines', 0, 'amount']);

    const inter = await openInvoice(s.tenant, invoiceBody({ place_of_supply: 'IN-KA' }));
    ok(await creditNote(s.tenant, inter.id, { reason: 'other', date: '2026-06-01', lines: [{ line_id: inter.line_items[0].id, amount: 90_000 }] }), 201);
    expect422(await creditNote(s.tenant, inter.id, { reason: 'other', date: '2026-06-01', lines: [{ description: 'x', amount: 10_000, tax_rate: 28 }] }), ['body', 'igst']);

    const plain = await shop(env, { country: 'US', state: 'US-CA', currency: 'USD' });
    const us = await openInvoice(plain.tenant, { customer_id: 'ct_acme', date: '2026-05-12', line_items: [{ name: 'Thing', quantity: 1, unit_price: 1_000, tax_rate: 8 }] });
    expect422(await creditNote(plain.tenant, us.id, { reason: 'other', date: '2026-06-01', lines: [{ description: 'x', amount: 900, tax_rate: 10 }] }), ['body', 'tax']);
  });

  it('refuses a GST credit note dated after 30 November following the financial year (s.34(2))', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody({ date: '2025-03-31' }));
    expect422(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.1', { date: '2025-12-01' })), ['body', 'date']);
    expect422(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.1')), ['body', 'date']);
    ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.1', { date: '2025-11-30' })), 201);
    expect422(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.1', { date: '2025-03-30' })), ['body', 'date']);
    // A debit note has no time limit, and a non-GST business none either.
    ok(await debitNote(s.tenant, invoice.id, { date: '2026-11-28', lines: [{ line_id: invoice.line_items[0].id, quantity: 1 }] }), 201);
    const plain = await shop(env, { country: 'US', state: 'US-CA', currency: 'USD' });
    const us = await openInvoice(plain.tenant, { customer_id: 'ct_acme', date: '2024-05-12', line_items: [{ name: 'Thing', quantity: 1, unit_price: 1_000, tax_rate: 8 }] });
    ok(await creditNote(plain.tenant, us.id, { reason: 'other', date: '2026-06-01', lines: [{ line_id: us.line_items[0].id, quantity: 1 }] }), 201);
  });

  it('refuses notes on drafts and void invoices (409), unknown lines (404) and bad bodies (422)', async () => {
    const s = await shop(env);
    const draft = ok(await s.tenant.post('/api/v1/invoices', invoiceBody()), 201);
    expectDetail(await creditNote(s.tenant, draft.id, returnOf(draft, 1)), 409);
    const open = await openInvoice(s.tenant, invoiceBody());
    expectDetail(await creditNote(s.tenant, open.id, { reason: 'other', date: '2026-06-01', lines: [{ line_id: 'nope', quantity: 1 }] }), 404);
    expect422(await creditNote(s.tenant, open.id, { reason: 'nonsense', lines: [{ line_id: 'x', quantity: 1 }] }), ['body', 'reason']);
    expect422(await creditNote(s.tenant, open.id, { reason: 'other', lines: [{ line_id: open.line_items[0].id }] }), ['body', 'lines', 0, 'quantity']);
    expect422(await creditNote(s.tenant, open.id, { reason: 'other', lines: [{ description: 'x', amount: 5 }] }), ['body', 'lines', 0, 'tax_rate']);
    expect422(await creditNote(s.tenant, open.id, { reason: 'other', lines: [] }), ['body', 'lines']);
    ok(await creditNote(s.tenant, open.id, returnOf(open, '0.5')), 201);
    expectDetail(await s.tenant.post(`/api/v1/invoices/${open.id}/void`), 409);
  });

  it('another business cannot see or touch notes (404)', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    const note = ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.5')), 201);
    const other = await createBusiness(env.app);
    expectDetail(await creditNote(other, invoice.id, returnOf(invoice, '0.5')), 404);
    expectDetail(await debitNote(other, invoice.id, returnOf(invoice, '0.5')), 404);
    expectDetail(await other.get(`/api/v1/credit-notes/${note.id}`), 404);
    expectDetail(await other.get(`/api/v1/credit-notes/${note.id}/pdf`), 404);
    expectDetail(await voidNote(other, note.id), 404);
    expect(ok(await other.get('/api/v1/credit-notes')).items).toEqual([]);
    expectDetail(await s.tenant.get(`/api/v1/debit-notes/${note.id}`), 404);
    const bulk = ok(await other.post('/bulk/credit-notes', { credit_notes: [{ invoice_id: invoice.id, ...returnOf(invoice, '0.1') }] }));
    expect(bulk.results[0]).toMatchObject({ ok: false, error: { code: 'not_found.resource', field: 'invoice_id' } });
  });
});

describe('void', () => {
  it('posts the exact reversal and restores the balance', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    const note = ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, 1)), 201);
    expect((await getInvoice(s.tenant, invoice.id)).status).toBe('manual_paid');
    const voided = ok(await voidNote(s.tenant, note.id));
    expect(voided).toMatchObject({ status: 'void', voided_at: expect.any(String) });
    expect(voided.journal_entries).toHaveLength(2);
    expect(postings(voided.journal_entries[1])).toEqual(Object.fromEntries(Object.entries(postings(voided.journal_entries[0])).map(([k, v]) => [k, -v])));
    expect(await getInvoice(s.tenant, invoice.id)).toMatchObject({ status: 'open', balance_due: 118_000, amount_credited: 0, paid_on: null });
    expect(accountBalance(await trialBalance(s.tenant), 'INR', '1100')).toBe(118_000);
    expectDetail(await voidNote(s.tenant, note.id), 409);
    expect((await eventsOf(env, s.tenant.id)).at(-1)).toMatchObject({ type: 'CREDIT_NOTE_VOIDED', payload: { data: { id: note.id, status: 'void' } } });
    // The credit is free again: the whole line can be credited once more.
    ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, 1)), 201);
  });

  it('refuses once refunded or once its credit was applied; takes an unapplied credit back', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, invoice.id, { amount: invoice.total }), 201);
    const refunded = ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.25', { refund_amount: 29_500 })), 201);
    expectDetail(await voidNote(s.tenant, refunded.id), 409);
    const kept = ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.25', { credit_amount: 29_500 })), 201);
    ok(await voidNote(s.tenant, kept.id));
    expect(ok(await s.tenant.get('/api/v1/customers/ct_acme')).credit_balance).toEqual({});
    const applied = ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.25', { credit_amount: 29_500 })), 201);
    await openInvoice(s.tenant, invoiceBody());
    expectDetail(await voidNote(s.tenant, applied.id), 409);
    expect(accountBalance(await trialBalance(s.tenant), 'INR', '2300')).toBe(0);
  });
});

describe('debit notes', () => {
  it('raise balance_due with Dr AR / Cr Revenue / Cr output tax, reopen a paid invoice, and can be paid', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, invoice.id, { amount: invoice.total }), 201);
    const note = ok(await debitNote(s.tenant, invoice.id, { date: '2026-06-01', reason: 'correction', lines: [{ line_id: invoice.line_items[0].id, quantity: 1 }] }), 201);
    expect(note).toMatchObject({ object: 'debit_note', number: 'DN-00001', total: 118_000, pre_payment_amount: 0, refund_amount: 0 });
    expect(postings(note.journal_entries[0])).toEqual({ '1100': 118_000, '4000': -100_000, '2200': -9_000, '2201': -9_000 });
    expect(await getInvoice(s.tenant, invoice.id)).toMatchObject({ status: 'partially_paid', balance_due: 118_000, amount_debited: 118_000, debit_notes: [note.id] });
    expect((await eventsOf(env, s.tenant.id)).at(-1)).toMatchObject({ type: 'DEBIT_NOTE_CREATED' });
    expect(ok(await s.tenant.get(`/api/v1/debit-notes?invoice_id=${invoice.id}`)).items.map((n: Json) => n.id)).toEqual([note.id]);
    ok(await pay(s.tenant, invoice.id, { amount: 118_000 }), 201);
    expect(await getInvoice(s.tenant, invoice.id)).toMatchObject({ status: 'manual_paid', balance_due: 0, total_paid: 236_000 });
    expectDetail(await voidNote(s.tenant, note.id, 'debit-notes'), 409);
    expect422(await debitNote(s.tenant, invoice.id, { lines: [{ description: 'x', amount: 5, tax_rate: 5 }], refund_amount: 5 }), ['body', 'refund_amount']);
  });
});

describe('GET /api/v1/credit-notes and documents', () => {
  it('lists with filters, renders the PDF and the hosted page with rule 53 contents', async () => {
    const s = await shop(env);
    const a = await openInvoice(s.tenant, invoiceBody());
    const b = await openInvoice(s.tenant, invoiceBody());
    const n1 = ok(await creditNote(s.tenant, a.id, returnOf(a, '0.5')), 201);
    const n2 = ok(await creditNote(s.tenant, b.id, returnOf(b, '0.5')), 201);
    expect(ok(await s.tenant.get('/api/v1/credit-notes')).items.map((n: Json) => n.id)).toEqual([n2.id, n1.id]);
    expect(ok(await s.tenant.get(`/api/v1/credit-notes?invoice_id=${a.id}`)).items.map((n: Json) => n.id)).toEqual([n1.id]);
    expect(ok(await s.tenant.get('/api/v1/credit-notes?customer_id=nobody')).items).toEqual([]);
    expect(ok(await s.tenant.get(`/api/v1/credit-notes?created_from=${encodeURIComponent(n2.created_at)}`)).items.map((n: Json) => n.id)).toContain(n2.id);
    expect422(await s.tenant.get('/api/v1/credit-notes?created_from=yesterday'), ['query', 'created_from']);
    const pdf = await s.tenant.get(`/api/v1/credit-notes/${n1.id}/pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(pdf.rawPayload, true);
    const rule53 = ['CREDIT NOTE', 'CN-00001', '1 Jun 2026', `${a.number} of 12 May 2026`, 'Reason', 'Sales return', 'Acme Ltd', 'Taxable value', 'CGST', 'SGST', '@9%', '₹500.00', '₹45.00', '₹590.00', 'Amount in words: Rupees Five Hundred Ninety Only'];
    for (const part of rule53) expect(text).toContain(part);
    expect(text).not.toContain('VOID');
    const hosted = await env.app.inject({ method: 'GET', url: new URL(n1.hosted_url).pathname });
    expect(hosted.statusCode).toBe(200);
    for (const part of rule53) expect(hosted.body).toContain(part);
    expect((await env.app.inject({ method: 'GET', url: `${new URL(n1.hosted_url).pathname}/pdf` })).statusCode).toBe(200);
    expect((await env.app.inject({ method: 'GET', url: `/n/${s.tenant.id}/${'x'.repeat(32)}` })).statusCode).toBe(404);
  });

  it('prints both parties with GSTINs and addresses, any script and ₹, on the PDF and the hosted page; VOID once voided', async () => {
    const s = await shop(env);
    await gstProfile(s.tenant);
    const name = '株式会社テスト — Ελλάδα';
    await createCustomer(s.tenant, { id: 'ct_gst', name: `${name} <b>&</b>`, gstin: '27AAACA1234A1Z5', billing_address: { line1: '1 Mill Road', city: 'Pune', postal_code: '411001' } });
    const gst = await openInvoice(s.tenant, invoiceBody({ customer_id: 'ct_gst' }));
    const credit = ok(await creditNote(s.tenant, gst.id, returnOf(gst, '0.5')), 201);
    const debit = ok(await debitNote(s.tenant, gst.id, { date: '2026-06-02', reason: 'correction', lines: [{ line_id: gst.line_items[0].id, quantity: 1 }] }), 201);
    const parties = ['Sharma Traders Private Limited', 'GSTIN: 27AAFCS1234E1Z9', '12 Marine Drive', 'Mumbai', 'GSTIN: 27AAACA1234A1Z5', '1 Mill Road', 'Pune, 411001', 'State: Maharashtra'];
    const creditFields = [...parties, 'CREDIT NOTE', credit.number, '1 Jun 2026', `${gst.number} of 12 May 2026`, 'Sales return', 'Taxable value', 'CGST', 'SGST', '@9%', '₹500.00', '₹45.00', '₹590.00', 'Rupees Five Hundred Ninety Only'];
    const debitFields = [...parties, 'DEBIT NOTE', debit.number, '2 Jun 2026', `${gst.number} of 12 May 2026`, 'Correction of invoice', 'Taxable value', '@9%', '₹1,000.00', '₹90.00', '₹1,180.00'];

    const creditResponse = await s.tenant.get(`/api/v1/credit-notes/${credit.id}/pdf`);
    expect(creditResponse.statusCode).toBe(200);
    const creditPdf = await pdfText(creditResponse.rawPayload, true);
    for (const part of [...creditFields, `${name} <b>&</b>`]) expect(creditPdf).toContain(part);
    const debitResponse = await s.tenant.get(`/api/v1/debit-notes/${debit.id}/pdf`);
    expect(debitResponse.statusCode).toBe(200);
    const debitPdf = await pdfText(debitResponse.rawPayload, true);
    for (const part of [...debitFields, name]) expect(debitPdf).toContain(part);

    const page = (await env.app.inject({ method: 'GET', url: new URL(credit.hosted_url).pathname })).body;
    for (const part of creditFields) expect(page).toContain(part);
    expect(page).toContain(`${name} &lt;b&gt;&amp;&lt;/b&gt;`);
    expect(page).not.toContain('<b>&</b>');
    const hostedPdf = await env.app.inject({ method: 'GET', url: `${new URL(debit.hosted_url).pathname}/pdf` });
    expect(hostedPdf.headers['content-type']).toBe('application/pdf');
    for (const part of [...debitFields, name]) expect(await pdfText(hostedPdf.rawPayload, true)).toContain(part);

    ok(await voidNote(s.tenant, credit.id));
    expect(await pdfText((await s.tenant.get(`/api/v1/credit-notes/${credit.id}/pdf`)).rawPayload)).toContain('VOID');
    const voided = (await env.app.inject({ method: 'GET', url: new URL(credit.hosted_url).pathname })).body;
    expect(voided).toContain('<div class="mark" aria-hidden="true">VOID</div>');
    expect(voided).toContain('data-testid="status">Void<');
  });
});

describe('note numbering', () => {
  it('takes the business prefixes and resets per fiscal year where the business does', async () => {
    const s = await shop(env, { number_reset: 'fiscal_year', credit_note_prefix: 'CR/', debit_note_prefix: 'DR-' });
    expect(s.tenant.business).toMatchObject({ credit_note_prefix: 'CR/', debit_note_prefix: 'DR-' });
    const invoice = await openInvoice(s.tenant, invoiceBody({ date: '2026-03-20' }));
    const march = ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.1', { date: '2026-03-31' })), 201);
    const april = ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.1', { date: '2026-04-01' })), 201);
    const debit = ok(await debitNote(s.tenant, invoice.id, { date: '2026-04-02', lines: [{ description: 'Freight', amount: 100, tax_rate: 18 }] }), 201);
    expect([march.number, april.number, debit.number]).toEqual(['CR/2526-00001', 'CR/2627-00001', 'DR-2627-00001']);
  });

  it('refuses a note prefix that cannot fit in 16 characters', async () => {
    const response = await env.app.inject({
      method: 'POST',
      url: '/api/v1/businesses',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { name: 'Long', country: 'IN', state: 'IN-MH', currency: 'INR', credit_note_prefix: 'CREDITNOTE', number_padding: 8 },
    });
    expect422(response, ['body', 'credit_note_prefix']);
  });
});

describe('auth, scopes and idempotency on note routes', () => {
  it('401 without a token, 403 without invoices.UPDATE, 400 on a bad Idempotency-Key, replay with a good one', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    const url = `/api/v1/invoices/${invoice.id}/credit-notes`;
    const body = returnOf(invoice, '0.5');
    expectDetail(await env.app.inject({ method: 'POST', url, payload: body }), 401);
    const { token } = await limitedToken(env, s.tenant, ['invoices.READ']);
    const headers = { ...bearer(token), 'x-business-id': s.tenant.id };
    expect(expectDetail(await env.app.inject({ method: 'POST', url, headers, payload: body }), 403)).toMatch(/invoices\.UPDATE/);
    expect(ok(await env.app.inject({ method: 'GET', url: '/api/v1/credit-notes', headers })).items).toEqual([]);
    expectDetail(await s.tenant.post(url, body, { 'idempotency-key': '' }), 400);
    const first = ok(await s.tenant.post(url, body, { 'idempotency-key': 'cn-1' }), 201);
    const again = await s.tenant.post(url, body, { 'idempotency-key': 'cn-1' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first);
    expect((await getInvoice(s.tenant, invoice.id)).credit_notes).toEqual([first.id]);
  });
});

describe('every note route refuses a missing token (401) and a token without its scope (403)', () => {
  it('401 and 403 on each route, 400 on a bad Idempotency-Key for void', async () => {
    const s = await shop(env);
    const invoice = await openInvoice(s.tenant, invoiceBody());
    const note = ok(await creditNote(s.tenant, invoice.id, returnOf(invoice, '0.5')), 201);
    const { token } = await limitedToken(env, s.tenant, []);
    const routes: ['GET' | 'POST', string][] = [
      ['POST', `/api/v1/invoices/${invoice.id}/credit-notes`],
      ['POST', `/api/v1/invoices/${invoice.id}/debit-notes`],
      ['POST', '/bulk/credit-notes'],
      ...(['credit-notes', 'debit-notes'] as const).flatMap((kind): ['GET' | 'POST', string][] => [
        ['GET', `/api/v1/${kind}`],
        ['GET', `/api/v1/${kind}/${note.id}`],
        ['GET', `/api/v1/${kind}/${note.id}/pdf`],
        ['POST', `/api/v1/${kind}/${note.id}/void`],
      ]),
    ];
    for (const [method, url] of routes) {
      const payload = method === 'POST' ? {} : undefined;
      expect((await env.app.inject({ method, url, payload })).statusCode, url).toBe(401);
      const refused = await env.app.inject({ method, url, payload, headers: { ...bearer(token), 'x-business-id': s.tenant.id } });
      expect(refused.statusCode, url).toBe(403);
    }
    expectDetail(await s.tenant.post(`/api/v1/credit-notes/${note.id}/void`, {}, { 'idempotency-key': '' }), 400);
    expect((await getInvoice(s.tenant, invoice.id)).credit_notes).toEqual([note.id]);
  });
});

