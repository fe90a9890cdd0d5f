import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createVendor, type Tenant } from '../helpers/factories.ts';
import {
  balances,
  createInvoice,
  expect422,
  expectDetail,
  finalize,
  invoiceBody,
  ok,
  openInvoice,
  pay,
  postings,
  type Shop,
  shop,
  voidInvoice,
} from './support.ts';

let env: TestEnv;
let s: Shop;

beforeAll(async () => {
  env = await testApp();
  s = await shop(env);
});
afterAll(() => env.app.close());

// One widget: 100000 + 9% CGST 9000 + 9% SGST 9000 = 118000.
const WIDGET_TOTAL = 118_000;

describe('finalize', () => {
  it('turns a draft into an open invoice numbered INV-00001 with its journal entry', async () => {
    const fresh = await shop(env);
    const draft = await createInvoice(fresh.tenant, invoiceBody());
    const open = ok(await finalize(fresh.tenant, draft.id));
    expect(open).toMatchObject({ id: draft.id, status: 'open', number: 'INV-00001', total: WIDGET_TOTAL, balance_due: WIDGET_TOTAL, total_paid: 0 });
    expect(open.finalized_at).toEqual(expect.any(String));
    expect(open.updated_at >= draft.updated_at).toBe(true);
    expect(open.journal_entries).toHaveLength(1);
    const [entry] = open.journal_entries;
    expect(entry).toMatchObject({ kind: 'invoice_finalized', currency: 'INR', date: '2026-05-12' });
    expect(postings(entry)).toEqual({ '1100': WIDGET_TOTAL, '4000': -100_000, '2200': -9_000, '2201': -9_000 });
    expect(balances(entry)).toBe(true);
    const second = await openInvoice(fresh.tenant, invoiceBody());
    expect(second.number).toBe('INV-00002');
    expect(ok(await fresh.tenant.get(`/api/v1/invoices/${draft.id}`))).toEqual(open);
  });

  it('credits IGST (2202) for an inter-state invoice', async () => {
    const open = await openInvoice(s.tenant, invoiceBody({ place_of_supply: 'IN-KA' }));
    expect(postings(open.journal_entries[0])).toEqual({ '1100': WIDGET_TOTAL, '4000': -100_000, '2202': -18_000 });
  });

  it('uses the business prefix, zero-padded', async () => {
    const custom = await shop(env, { invoice_prefix: 'AC/' });
    expect((await openInvoice(custom.tenant, invoiceBody())).number).toBe('AC/00001');
  });

  it('honours the business number_padding', async () => {
    const padded = await shop(env, { invoice_prefix: 'P-', number_padding: 3 } as never);
    expect((await openInvoice(padded.tenant, invoiceBody())).number).toBe('P-001');
  });

  it('accepts /approve as an alias for invoices', async () => {
    const draft = await createInvoice(s.tenant, invoiceBody());
    expect(ok(await s.tenant.post(`/api/v1/invoices/${draft.id}/approve`)).status).toBe('open');
  });

  it('refuses to finalize twice with 409 and takes no second number', async () => {
    const fresh = await shop(env);
    const open = await openInvoice(fresh.tenant, invoiceBody());
    expect(expectDetail(await finalize(fresh.tenant, open.id), 409)).toMatch(/finalize/i);
    const again = ok(await fresh.tenant.get(`/api/v1/invoices/${open.id}`));
    expect(again.number).toBe('INV-00001');
    expect(again.journal_entries).toHaveLength(1);
    expect((await openInvoice(fresh.tenant, invoiceBody())).number).toBe('INV-00002');
  });

  it('answers an unknown id with 404', async () => {
    expectDetail(await finalize(s.tenant, 'nope'), 404);
  });
});

describe('payments', () => {
  it('records a partial payment: partially_paid, balance_due, Dr 1000 / Cr 1100', async () => {
    const open = await openInvoice(s.tenant, invoiceBody());
    const paid = ok(await pay(s.tenant, open.id, { amount: 18_000, paid_on: '2026-05-20', reference: 'UTR-1' }), 201);
    expect(paid).toMatchObject({ status: 'partially_paid', total_paid: 18_000, balance_due: 100_000, paid_on: null });
    expect(paid.payments).toHaveLength(1);
    expect(paid.payments[0]).toMatchObject({ amount: 18_000, paid_on: '2026-05-20', source: 'manual', reference: 'UTR-1' });
    expect(paid.journal_entries).toHaveLength(2);
    const entry = paid.journal_entries[1];
    expect(entry).toMatchObject({ kind: 'invoice_payment', date: '2026-05-20' });
    expect(postings(entry)).toEqual({ '1000': 18_000, '1100': -18_000 });
  });

  it('settles with a manual payment: manual_paid, paid_on set, balance 0', async () => {
    const open = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, open.id, { amount: 18_000, paid_on: '2026-05-20' }), 201);
    const paid = ok(await pay(s.tenant, open.id, { amount: 100_000, paid_on: '2026-05-25', source: 'manual' }), 201);
    expect(paid).toMatchObject({ status: 'manual_paid', total_paid: WIDGET_TOTAL, balance_due: 0 });
    expect(paid.paid_on).toMatch(/^2026-05-25/);
    expect(paid.payments.map((p: Json) => p.amount)).toEqual([18_000, 100_000]);
    expect(paid.journal_entries.every(balances)).toBe(true);
  });

  it('is stripe_paid when a stripe payment completes it', async () => {
    const open = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, open.id, { amount: 1_000 }), 201);
    const paid = ok(await pay(s.tenant, open.id, { amount: WIDGET_TOTAL - 1_000, source: 'stripe', reference: 'pi_123' }), 201);
    expect(paid.status).toBe('stripe_paid');
    expect(paid.payments[1]).toMatchObject({ source: 'stripe', reference: 'pi_123' });
    const once = await openInvoice(s.tenant, invoiceBody());
    expect(ok(await pay(s.tenant, once.id, { amount: WIDGET_TOTAL, source: 'stripe' }), 201).status).toBe('stripe_paid');
  });

  it('refuses an overpayment with 422 and records nothing', async () => {
    const open = await openInvoice(s.tenant, invoiceBody());
    expect422(await pay(s.tenant, open.id, { amount: WIDGET_TOTAL + 1 }), ['body', 'amount']);
    ok(await pay(s.tenant, open.id, { amount: 100_000 }), 201);
    expect422(await pay(s.tenant, open.id, { amount: 18_001 }), ['body', 'amount']);
    const after = ok(await s.tenant.get(`/api/v1/invoices/${open.id}`));
    expect(after).toMatchObject({ status: 'partially_paid', total_paid: 100_000, balance_due: 18_000 });
    expect(after.payments).toHaveLength(1);
  });

  it('refuses bad payment bodies with 422', async () => {
    const open = await openInvoice(s.tenant, invoiceBody());
    expect422(await pay(s.tenant, open.id, { amount: 0 }), ['body', 'amount']);
    expect422(await pay(s.tenant, open.id, { amount: 1.5 }), ['body', 'amount']);
    expect422(await pay(s.tenant, open.id, { amount: 100, paid_on: '2026-13-01' }), ['body', 'paid_on']);
    expect422(await pay(s.tenant, open.id, { amount: 100, source: 'cash' }), ['body', 'source']);
    expect422(await pay(s.tenant, open.id, { amount: 100, tip: 5 }), ['body', 'tip']);
  });

  it('refuses a payment on a draft, a paid or a void invoice with 409', async () => {
    const draft = await createInvoice(s.tenant, invoiceBody());
    expectDetail(await pay(s.tenant, draft.id, { amount: 100 }), 409);
    const paid = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, paid.id, { amount: WIDGET_TOTAL }), 201);
    expectDetail(await pay(s.tenant, paid.id, { amount: 1 }), 409);
    const voided = await openInvoice(s.tenant, invoiceBody());
    ok(await voidInvoice(s.tenant, voided.id));
    expectDetail(await pay(s.tenant, voided.id, { amount: 1 }), 409);
    expect(ok(await s.tenant.get(`/api/v1/invoices/${draft.id}`)).payments).toEqual([]);
  });
});

describe('concurrent transitions', () => {
  it('never overpays: 5 concurrent payments of 40% → exactly 2 succeed', async () => {
    const open = await openInvoice(s.tenant, invoiceBody());
    const amount = (WIDGET_TOTAL * 40) / 100;
    const responses = await Promise.all(Array.from({ length: 5 }, () => pay(s.tenant, open.id, { amount })));
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 201, 422, 422, 422]);
    const after = ok(await s.tenant.get(`/api/v1/invoices/${open.id}`));
    expect(after).toMatchObject({ status: 'partially_paid', total_paid: 2 * amount, balance_due: WIDGET_TOTAL - 2 * amount });
    expect(after.payments).toHaveLength(2);
    expect(after.journal_entries).toHaveLength(3);
  });

  it('lets exactly one of a concurrent void and payment win', async () => {
    const open = await openInvoice(s.tenant, invoiceBody());
    const [voided, paid] = await Promise.all([voidInvoice(s.tenant, open.id), pay(s.tenant, open.id, { amount: 1_000 })]);
    const after = ok(await s.tenant.get(`/api/v1/invoices/${open.id}`));
    if (voided.statusCode === 200) {
      expect(paid.statusCode, paid.body).toBe(409);
      expect(after).toMatchObject({ status: 'void', total_paid: 0 });
    } else {
      expect(voided.statusCode, voided.body).toBe(409);
      expect(paid.statusCode, paid.body).toBe(201);
      expect(after).toMatchObject({ status: 'partially_paid', total_paid: 1_000 });
    }
    expect(after.journal_entries).toHaveLength(2);
  });
});

describe('void', () => {
  it('voids a draft without a journal entry', async () => {
    const draft = await createInvoice(s.tenant, invoiceBody());
    const voided = ok(await voidInvoice(s.tenant, draft.id));
    expect(voided).toMatchObject({ status: 'void', number: null, journal_entries: [] });
    expect(voided.voided_at).toEqual(expect.any(String));
    expectDetail(await finalize(s.tenant, draft.id), 409);
  });

  it('voids an open invoice with a reversing entry (debits and credits swapped), keeping its number', async () => {
    const open = await openInvoice(s.tenant, invoiceBody({ place_of_supply: 'IN-KA' }));
    const voided = ok(await voidInvoice(s.tenant, open.id));
    expect(voided.status).toBe('void');
    expect(voided.number).toBe(open.number);
    expect(voided.journal_entries).toHaveLength(2);
    const [posting, reversal] = voided.journal_entries;
    expect(reversal.kind).toBe('invoice_void');
    expect(reversal.lines).toEqual(posting.lines.map((l: Json) => ({ account_code: l.account_code, debit: l.credit, credit: l.debit })));
    expect(balances(reversal)).toBe(true);
  });

  it('refuses to void twice, or after a payment, with 409', async () => {
    const open = await openInvoice(s.tenant, invoiceBody());
    ok(await voidInvoice(s.tenant, open.id));
    expectDetail(await voidInvoice(s.tenant, open.id), 409);
    const partly = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, partly.id, { amount: 500 }), 201);
    expect(expectDetail(await voidInvoice(s.tenant, partly.id), 409)).toMatch(/void/i);
    const fully = await openInvoice(s.tenant, invoiceBody());
    ok(await pay(s.tenant, fully.id, { amount: WIDGET_TOTAL }), 201);
    expectDetail(await voidInvoice(s.tenant, fully.id), 409);
    const after = ok(await s.tenant.get(`/api/v1/invoices/${partly.id}`));
    expect(after.status).toBe('partially_paid');
    expect(after.journal_entries.map((e: Json) => e.kind)).toEqual(['invoice_finalized', 'invoice_payment']);
  });
});

describe('cross-tenant transitions', () => {
  it("answers finalize, void and pay on another business's invoice with 404 and changes nothing", async () => {
    const other = await createBusiness(env.app);
    const draft = await createInvoice(s.tenant, invoiceBody());
    const open = await openInvoice(s.tenant, invoiceBody());
    expectDetail(await finalize(other, draft.id), 404);
    expectDetail(await voidInvoice(other, draft.id), 404);
    expectDetail(await voidInvoice(other, open.id), 404);
    expectDetail(await pay(other, open.id, { amount: 100 }), 404);
    expect(ok(await s.tenant.get(`/api/v1/invoices/${draft.id}`)).status).toBe('draft');
    const stillOpen = ok(await s.tenant.get(`/api/v1/invoices/${open.id}`));
    expect(stillOpen).toMatchObject({ status: 'open', total_paid: 0 });
    expect(stillOpen.journal_entries).toHaveLength(1);
  });
});

describe('bills', () => {
  let b: Tenant;
  const paper = { name: 'Paper', quantity: 10, unit_price: 5_000, tax_rate: 12 };
  const bill = (extra: Json = {}) => ({ vendor_id: 'vd_local', bill_number: 'PB-001', date: '2026-05-12', line_items: [paper], ...extra });

  beforeAll(async () => {
    b = await createBusiness(env.app);
    await createVendor(b, { id: 'vd_local', name: 'Local Paper', state: 'IN-MH', email: 'ap@paper.test' });
    await createVendor(b, { id: 'vd_far', name: 'Far Paper', state: 'IN-KA' });
  });

  it('creates a draft bill with vendor fields and no number', async () => {
    const created = ok(await b.post('/api/v1/bills', bill({ bill_number: 'PB-100' })), 201);
    expect(created).toMatchObject({
      object: 'bill',
      status: 'draft',
      vendor_id: 'vd_local',
      vendor_name: 'Local Paper',
      vendor_email: 'ap@paper.test',
      bill_number: 'PB-100',
      number: null,
      place_of_supply: 'IN-MH',
      subtotal: 50_000,
      cgst: 3_000,
      sgst: 3_000,
      total: 56_000,
    });
    expect(ok(await b.get(`/api/v1/bills/${created.id}`))).toEqual(created);
  });

  it('refuses a duplicate bill_number for the same vendor with 409, allows it for another vendor', async () => {
    ok(await b.post('/api/v1/bills', bill({ bill_number: 'DUP-1' })), 201);
    expect(expectDetail(await b.post('/api/v1/bills', bill({ bill_number: 'DUP-1' })), 409)).toContain('DUP-1');
    ok(await b.post('/api/v1/bills', bill({ bill_number: 'DUP-1', vendor_id: 'vd_far' })), 201);
    const list = ok(await b.get('/api/v1/bills?vendor_id=vd_local&include_total=true&limit=500'));
    expect(list.items.filter((i: Json) => i.bill_number === 'DUP-1')).toHaveLength(1);
  });

  it('refuses concurrent duplicates of one bill_number: exactly one 201', async () => {
    const responses = await Promise.all(Array.from({ length: 5 }, () => b.post('/api/v1/bills', bill({ bill_number: 'RACE-1' }))));
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    for (const r of responses.filter((x) => x.statusCode === 409)) expectDetail(r, 409);
    const list = ok(await b.get('/api/v1/bills?vendor_id=vd_local&limit=500'));
    expect(list.items.filter((i: Json) => i.bill_number === 'RACE-1')).toHaveLength(1);
  });

  it('refuses a bill without bill_number or with an unknown vendor', async () => {
    const { bill_number: _, ...noNumber } = bill();
    expect422(await b.post('/api/v1/bills', noNumber), ['body', 'bill_number'], 'missing');
    expectDetail(await b.post('/api/v1/bills', bill({ vendor_id: 'vd_nobody', bill_number: 'X-1' })), 404);
  });

  it('approves: Dr 5000 + input CGST/SGST (1300/1301) / Cr 2000; pays: Dr 2000 / Cr 1000', async () => {
    const draft = ok(await b.post('/api/v1/bills', bill({ bill_number: 'PB-200' })), 201);
    const approved = ok(await b.post(`/api/v1/bills/${draft.id}/approve`));
    expect(approved).toMatchObject({ status: 'open', number: null });
    expect(approved.journal_entries[0].kind).toBe('bill_approved');
    expect(postings(approved.journal_entries[0])).toEqual({ '5000': 50_000, '1300': 3_000, '1301': 3_000, '2000': -56_000 });
    const paid = ok(await b.post(`/api/v1/bills/${draft.id}/payments`, { amount: 56_000, paid_on: '2026-06-01' }), 201);
    expect(paid).toMatchObject({ status: 'manual_paid', balance_due: 0 });
    expect(paid.journal_entries[1].kind).toBe('bill_payment');
    expect(postings(paid.journal_entries[1])).toEqual({ '2000': 56_000, '1000': -56_000 });
  });

  it('takes the place of supply from an out-of-state vendor and posts input IGST (1302)', async () => {
    const draft = ok(await b.post('/api/v1/bills', bill({ vendor_id: 'vd_far', bill_number: 'FAR-1' })), 201);
    expect(draft).toMatchObject({ place_of_supply: 'IN-KA', igst: 6_000, cgst: 0, sgst: 0 });
    const approved = ok(await b.post(`/api/v1/bills/${draft.id}/approve`));
    expect(postings(approved.journal_entries[0])).toEqual({ '5000': 50_000, '1302': 6_000, '2000': -56_000 });
  });

  it('accepts /finalize as an alias for approve, once', async () => {
    const draft = ok(await b.post('/api/v1/bills', bill({ bill_number: 'PB-300' })), 201);
    expect(ok(await b.post(`/api/v1/bills/${draft.id}/finalize`)).status).toBe('open');
    expect(expectDetail(await b.post(`/api/v1/bills/${draft.id}/approve`), 409)).toMatch(/approve/i);
  });

  it('voids an approved bill with a reversal', async () => {
    const draft = ok(await b.post('/api/v1/bills', bill({ bill_number: 'PB-400' })), 201);
    ok(await b.post(`/api/v1/bills/${draft.id}/approve`));
    const voided = ok(await b.post(`/api/v1/bills/${draft.id}/void`));
    expect(voided.status).toBe('void');
    expect(postings(voided.journal_entries[1])).toEqual({ '5000': -50_000, '1300': -3_000, '1301': -3_000, '2000': 56_000 });
  });

  it("hides bills from another business (404) and invoices from the bills API", async () => {
    const draft = ok(await b.post('/api/v1/bills', bill({ bill_number: 'PB-500' })), 201);
    const other = await createBusiness(env.app);
    expectDetail(await other.get(`/api/v1/bills/${draft.id}`), 404);
    expectDetail(await other.post(`/api/v1/bills/${draft.id}/approve`), 404);
    const invoice = await createInvoice(s.tenant, invoiceBody());
    expectDetail(await s.tenant.get(`/api/v1/bills/${invoice.id}`), 404);
    expectDetail(await s.tenant.post(`/api/v1/bills/${invoice.id}/approve`), 404);
  });
});

describe('numbering with number_reset: fiscal_year', () => {
  it('starts a new series at 1 in each fiscal year (April start), numbers ≤ 16 chars', async () => {
    const fy = await shop(env, { number_reset: 'fiscal_year' });
    const march31 = await openInvoice(fy.tenant, invoiceBody({ date: '2026-03-31' }));
    const april1 = await openInvoice(fy.tenant, invoiceBody({ date: '2026-04-01' }));
    const april15 = await openInvoice(fy.tenant, invoiceBody({ date: '2026-04-15' }));
    const march1 = await openInvoice(fy.tenant, invoiceBody({ date: '2026-03-01' }));
    const numbers = [march31, april1, april15, march1].map((i) => i.number as string);
    expect(numbers).toEqual(['INV-2526-00001', 'INV-2627-00001', 'INV-2627-00002', 'INV-2526-00002']);
    for (const n of numbers) expect(n.length).toBeLessThanOrEqual(16);
  });

  it('refuses a prefix that would make numbers longer than 16 characters', async () => {
    const response = await env.app.inject({
      method: 'POST',
      url: '/api/v1/businesses',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { name: 'Long prefix', country: 'IN', state: 'IN-MH', currency: 'INR', invoice_prefix: 'ABCDEFG', number_reset: 'fiscal_year' },
    });
    expect422(response, ['body', 'invoice_prefix']);
  });
});
