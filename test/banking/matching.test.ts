import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/app.ts';
import { expect422, expectDetail } from '../helpers/assertions.ts';
import { accountBalance, trialBalance } from '../invoicing/support.ts';
import { eventsOf } from '../helpers/assertions.ts';
import { type Bank, bankTenant, csvStatement, getInvoice, importApp, importStatement, ok, openBill, openInvoice, transactions, trialBalanceIsZero } from './support.ts';

let env: Awaited<ReturnType<typeof importApp>>;
beforeAll(async () => {
  env = await importApp();
});
afterAll(() => env.app.close());

const line = (date: string, amount: string, description: string, id = '') => [date, amount, description, '', id, ''];
const only = async (bank: Bank, description: string) => (await transactions(bank)).find((t) => t.description === description) as Json;
const post = (bank: Bank, id: string, action: string, body?: Json) => bank.tenant.post(`/api/v1/bank-transactions/${id}/${action}`, body);

describe('auto-match on import', () => {
  it('one invoice named whose balance equals the amount: paid, manual_paid, Dr the bank account / Cr AR, events', async () => {
    const bank = await bankTenant(env);
    const invoice = await openInvoice(bank.tenant, 118_000);
    ok(await importStatement(bank, csvStatement([line('2026-11-05', '1180.00', `UPI/ACME/${invoice.number.toLowerCase()}`)])), 201);
    const t = await only(bank, `UPI/ACME/${invoice.number.toLowerCase()}`);
    expect(t).toMatchObject({ status: 'matched', allocations: [{ invoice_id: invoice.id, bill_id: null, amount: 118_000 }] });
    const paid = await getInvoice(bank.tenant, invoice.id);
    expect(paid).toMatchObject({ status: 'manual_paid', balance_due: 0, paid_on: '2026-11-05T00:00:00.000Z' });
    expect(paid.payments).toEqual([expect.objectContaining({ amount: 118_000, paid_on: '2026-11-05', source: 'manual', bank_transaction_id: t.id })]);
    const entry = paid.journal_entries.find((e: Json) => e.kind === 'invoice_payment');
    expect(entry.lines).toEqual([
      { account_code: bank.account.account_code, debit: 118_000, credit: 0 },
      { account_code: '1100', debit: 0, credit: 118_000 },
    ]);
    const tb = await trialBalance(bank.tenant);
    expect(accountBalance(tb, 'INR', bank.account.account_code)).toBe(118_000);
    expect(tb.currencies[0].accounts.find((a: Json) => a.code === bank.account.account_code).name).toBe('Bank: HDFC Current');
    expect(await trialBalanceIsZero(bank.tenant)).toBe(true);
    const types = (await eventsOf(env, bank.tenant.id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['INVOICE_PAYMENT_CREATED', 'INVOICE_PAID', 'BANK_TRANSACTION_MATCHED', 'BANK_STATEMENT_IMPORTED']));
  });

  it('one transfer naming several invoices whose balances add up pays all of them', async () => {
    const bank = await bankTenant(env);
    const a = await openInvoice(bank.tenant, 10_000);
    const b = await openInvoice(bank.tenant, 25_050);
    const text = `Payment for ${a.number}, ${b.number}`;
    expect(ok(await importStatement(bank, csvStatement([line('2026-11-05', '350.50', `"${text}"`)])), 201)).toMatchObject({ matched: 1 });
    expect((await getInvoice(bank.tenant, a.id)).status).toBe('manual_paid');
    expect((await getInvoice(bank.tenant, b.id)).status).toBe('manual_paid');
    expect((await only(bank, text)).allocations.map((x: Json) => x.amount).sort()).toEqual([10_000, 25_050]);
  });

  it('ambiguous or inexact lines stay unmatched, and suggestions rank amount, number and name', async () => {
    const bank = await bankTenant(env);
    const a = await openInvoice(bank.tenant, 50_000);
    const b = await openInvoice(bank.tenant, 50_000, 'ct_beta');
    const csv = csvStatement([
      line('2026-11-05', '500.00', 'ACME TRADERS transfer'),
      line('2026-11-05', '400.00', `Part payment ${a.number}`),
      line('2026-10-01', '500.00', `Early ${b.number}`),
    ]);
    expect(ok(await importStatement(bank, csv), 201)).toMatchObject({ imported: 3, matched: 0, unmatched: 3 });
    const byName = await only(bank, 'ACME TRADERS transfer');
    const suggestions = ok(await bank.tenant.get(`/api/v1/bank-transactions/${byName.id}/suggestions`)).items;
    expect(suggestions.map((s: Json) => [s.invoice_id, s.score, s.reasons])).toEqual([
      [a.id, 5, ['amount', 'name']],
      [b.id, 4, ['amount']],
    ]);
    const partial = await only(bank, `Part payment ${a.number}`);
    const ranked = ok(await bank.tenant.get(`/api/v1/bank-transactions/${partial.id}/suggestions`)).items;
    expect(ranked[0]).toMatchObject({ invoice_id: a.id, reasons: ['number'], balance_due: 50_000 });
    // An invoice dated after the bank line cannot be what it paid.
    expect((await only(bank, `Early ${b.number}`)).status).toBe('unmatched');
  });

  it('money out pays bills by bill number: Dr AP / Cr the bank account', async () => {
    const bank = await bankTenant(env);
    const bill = await openBill(bank.tenant, 30_000, 'PM-7781');
    expect(ok(await importStatement(bank, csvStatement([line('2026-11-08', '-300.00', 'NEFT DR PAPER MILL PM-7781')])), 201)).toMatchObject({ matched: 1 });
    const paid = await getInvoice(bank.tenant, bill.id, 'bills');
    expect(paid.status).toBe('manual_paid');
    expect(paid.journal_entries.find((e: Json) => e.kind === 'bill_payment').lines).toEqual([
      { account_code: '2000', debit: 30_000, credit: 0 },
      { account_code: bank.account.account_code, debit: 0, credit: 30_000 },
    ]);
    expect(await trialBalanceIsZero(bank.tenant)).toBe(true);
  });

  it('a bill number shared by two vendors is ambiguous: unmatched', async () => {
    const bank = await bankTenant(env);
    await openBill(bank.tenant, 30_000, 'B-1');
    await openBill(bank.tenant, 30_000, 'B-1', 'vd_ink');
    expect(ok(await importStatement(bank, csvStatement([line('2026-11-08', '-300.00', 'Bill B-1')])), 201)).toMatchObject({ matched: 0 });
  });
});

describe('manual match, unmatch, ignore', () => {
  it('partial payments over two invoices; Σ ≠ amount is 422; unmatch restores statuses, balances and the ledger', async () => {
    const bank = await bankTenant(env);
    const a = await openInvoice(bank.tenant, 60_000);
    const b = await openInvoice(bank.tenant, 80_000);
    ok(await importStatement(bank, csvStatement([line('2026-11-09', '1000.00', 'Lump sum')])), 201);
    const t = await only(bank, 'Lump sum');
    const tbBefore = await trialBalance(bank.tenant);
    expect422(await post(bank, t.id, 'match', { allocations: [{ invoice_id: a.id, amount: 60_000 }] }), ['body', 'allocations']);
    expect422(await post(bank, t.id, 'match', { allocations: [{ invoice_id: a.id, amount: 70_000 }, { invoice_id: b.id, amount: 30_000 }] }), ['body', 'allocations', 0, 'amount']);
    expect422(await post(bank, t.id, 'match', { allocations: [{ bill_id: a.id, amount: 100_000 }] }), ['body', 'allocations', 0, 'bill_id']);
    const matched = ok(await post(bank, t.id, 'match', { allocations: [{ invoice_id: a.id, amount: 60_000 }, { invoice_id: b.id, amount: 40_000 }] }));
    expect(matched).toMatchObject({ status: 'matched' });
    expect(matched.allocations).toHaveLength(2);
    expect(await getInvoice(bank.tenant, a.id)).toMatchObject({ status: 'manual_paid', balance_due: 0 });
    expect(await getInvoice(bank.tenant, b.id)).toMatchObject({ status: 'partially_paid', balance_due: 40_000 });
    expect(await trialBalanceIsZero(bank.tenant)).toBe(true);
    expectDetail(await post(bank, t.id, 'match', { allocations: [{ invoice_id: b.id, amount: 100_000 }] }), 409);

    const unmatched = ok(await post(bank, t.id, 'unmatch'));
    expect(unmatched).toMatchObject({ status: 'unmatched', allocations: [] });
    for (const inv of [a, b]) {
      const back = await getInvoice(bank.tenant, inv.id);
      expect(back).toMatchObject({ status: 'open', total_paid: 0, balance_due: inv.total, paid_on: null, payments: [] });
      expect(back.journal_entries.map((e: Json) => e.kind)).toEqual(['invoice_finalized', 'invoice_payment', 'invoice_payment_reversal']);
    }
    const tbAfter = await trialBalance(bank.tenant);
    expect(accountBalance(tbAfter, 'INR', bank.account.account_code)).toBe(0);
    expect(accountBalance(tbAfter, 'INR', '1100')).toBe(accountBalance(tbBefore, 'INR', '1100'));
    expect(await trialBalanceIsZero(bank.tenant)).toBe(true);
    expect((await eventsOf(env, bank.tenant.id)).map((e) => e.type)).toContain('BANK_TRANSACTION_UNMATCHED');
    // Voidable again, since nothing is paid.
    ok(await bank.tenant.post(`/api/v1/invoices/${a.id}/void`));
  });

  it('ignore and un-ignore; a matched or ignored line cannot be ignored again', async () => {
    const bank = await bankTenant(env);
    ok(await importStatement(bank, csvStatement([line('2026-11-09', '-15.00', 'SMS charges')])), 201);
    const t = await only(bank, 'SMS charges');
    expect(ok(await post(bank, t.id, 'ignore'))).toMatchObject({ status: 'ignored' });
    expectDetail(await post(bank, t.id, 'ignore'), 409);
    expect((await transactions(bank, '&status=ignored')).map((x) => x.id)).toEqual([t.id]);
    expect(ok(await post(bank, t.id, 'unmatch'))).toMatchObject({ status: 'unmatched' });
    expectDetail(await post(bank, t.id, 'unmatch'), 409);
  });

  it('a payment recorded by hand while a match runs: the match re-checks the balance under the lock, never overpaying', async () => {
    const bank = await bankTenant(env);
    const invoice = await openInvoice(bank.tenant, 100_000);
    ok(await importStatement(bank, csvStatement([line('2026-11-10', '1000.00', 'Wire')])), 201);
    const t = await only(bank, 'Wire');
    const [byHand, match] = await Promise.all([
      bank.tenant.post(`/api/v1/invoices/${invoice.id}/payments`, { amount: 100_000, paid_on: '2026-11-10' }),
      post(bank, t.id, 'match', { allocations: [{ invoice_id: invoice.id, amount: 100_000 }] }),
    ]);
    // Exactly one of them pays the invoice; the other finds it paid (422 amount, or 409 state).
    const codes = [byHand.statusCode, match.statusCode];
    expect(codes.filter((c) => c === 200 || c === 201), `${byHand.body} ${match.body}`).toHaveLength(1);
    expect(codes.filter((c) => c === 409 || c === 422)).toHaveLength(1);
    const after = await getInvoice(bank.tenant, invoice.id);
    expect(after).toMatchObject({ total_paid: 100_000, balance_due: 0 });
    expect(after.payments).toHaveLength(1);
    expect(await trialBalanceIsZero(bank.tenant)).toBe(true);
  });
});

describe('duplicates', () => {
  it('re-importing an overlapping statement adds nothing twice; equal lines on one day are two transactions', async () => {
    const bank = await bankTenant(env);
    const first = csvStatement([line('2026-11-01', '-4.50', 'Coffee'), line('2026-11-01', '-4.50', 'Coffee'), line('2026-11-02', '10.00', 'Refund')]);
    expect(ok(await importStatement(bank, first), 201)).toMatchObject({ imported: 3, duplicates: 0 });
    const overlapping = csvStatement([line('2026-11-01', '-4.50', 'Coffee'), line('2026-11-01', '-4.50', ' coffee '), line('2026-11-02', '10.00', 'Refund'), line('2026-11-03', '7.00', 'New')]);
    expect(ok(await importStatement(bank, overlapping), 201)).toMatchObject({ imported: 1, duplicates: 3 });
    expect(await transactions(bank)).toHaveLength(4);
  });

  it('two concurrent overlapping imports: every line once', async () => {
    const bank = await bankTenant(env);
    const invoice = await openInvoice(bank.tenant, 20_000);
    const rows = Array.from({ length: 40 }, (_, i) => line(`2026-11-${String((i % 28) + 1).padStart(2, '0')}`, `${i + 1}.00`, `Line ${i}`, `BANK-${i}`));
    rows.push(line('2026-11-29', '200.00', `Pays ${invoice.number}`, 'BANK-PAY'));
    const a = csvStatement(rows.slice(0, 30).concat(rows.slice(40)));
    const b = csvStatement(rows.slice(10));
    const [ra, rb] = await Promise.all([importStatement(bank, a), importStatement(bank, b)]);
    const [ba, bb] = [ok(ra, 201), ok(rb, 201)];
    expect(ba.imported + bb.imported).toBe(41);
    expect(ba.duplicates + bb.duplicates).toBe(31 + 31 - 41);
    expect(ba.matched + bb.matched).toBe(1);
    const all = await transactions(bank);
    expect(all).toHaveLength(41);
    expect(new Set(all.map((t) => t.transaction_id)).size).toBe(41);
    expect((await getInvoice(bank.tenant, invoice.id)).payments).toHaveLength(1);
    expect(await trialBalanceIsZero(bank.tenant)).toBe(true);
  });
});

describe('reconciliation', () => {
  it('statement balance, ledger balance, difference and the unmatched lines behind it, as of a date', async () => {
    const bank = await bankTenant(env);
    const invoice = await openInvoice(bank.tenant, 100_000);
    const csv = csvStatement([
      ['2026-11-02', '1000.00', `Pay ${invoice.number}`, '', '', '1000.00'],
      ['2026-11-03', '-40.00', 'Fees', '', '', '960.00'],
      ['2026-11-20', '250.00', 'Unknown', '', '', '1210.00'],
    ]);
    ok(await importStatement(bank, csv), 201);
    const fees = await only(bank, 'Fees');
    ok(await post(bank, fees.id, 'ignore'));
    const url = (asOf: string) => `/api/v1/bank-accounts/${bank.account.id}/reconciliation?as_of=${asOf}`;
    const mid = ok(await bank.tenant.get(url('2026-11-10')));
    expect(mid).toMatchObject({ statement_balance: 96_000, ledger_balance: 100_000, difference: -4_000, unmatched_count: 0, unmatched_total: 0, ignored_total: -4_000, reported_balance: 96_000, reported_balance_date: '2026-11-03', unmatched: [] });
    const end = ok(await bank.tenant.get(url('2026-11-30')));
    expect(end).toMatchObject({ statement_balance: 121_000, ledger_balance: 100_000, difference: 21_000, unmatched_count: 1, unmatched_total: 25_000, reported_balance: 121_000 });
    expect(end.difference).toBe(end.unmatched_total + end.ignored_total);
    expect(end.unmatched.map((t: Json) => t.description)).toEqual(['Unknown']);
    expect422(await bank.tenant.get(url('2026-13-01')), ['query', 'as_of']);
  });
});

describe('tenant isolation', () => {
  it("another business's bank accounts, transactions and files are 404", async () => {
    const mine = await bankTenant(env);
    const theirs = await bankTenant(env);
    ok(await importStatement(theirs, csvStatement([line('2026-11-01', '5.00', 'Theirs')])), 201);
    const their = (await transactions(theirs))[0] as Json;
    expectDetail(await mine.tenant.get(`/api/v1/bank-accounts/${theirs.account.id}`), 404);
    expectDetail(await mine.tenant.request('PATCH', `/api/v1/bank-accounts/${theirs.account.id}`, { name: 'x' }), 404);
    expectDetail(await mine.tenant.get(`/api/v1/bank-accounts/${theirs.account.id}/reconciliation`), 404);
    expectDetail(await mine.tenant.get(`/api/v1/bank-accounts/${theirs.account.id}/statements`), 404);
    expectDetail(await mine.tenant.post(`/api/v1/bank-accounts/${theirs.account.id}/statements`, { s3_key: 'x.csv' }), 404);
    expectDetail(await mine.tenant.get(`/api/v1/bank-transactions/${their.id}`), 404);
    expectDetail(await mine.tenant.get(`/api/v1/bank-transactions/${their.id}/suggestions`), 404);
    for (const action of ['unmatch', 'ignore']) expectDetail(await post(mine, their.id, action), 404);
    expectDetail(await post(mine, their.id, 'match', { allocations: [{ invoice_id: 'x', amount: 500 }] }), 404);
    expect(ok(await mine.tenant.get(`/api/v1/bank-transactions?bank_account_id=${theirs.account.id}`)).items).toEqual([]);
    // Their uploaded file, by its key, is not found for me.
    const statements = ok(await theirs.tenant.get(`/api/v1/bank-accounts/${theirs.account.id}/statements`)).items;
    expectDetail(await mine.tenant.post(`/api/v1/bank-accounts/${mine.account.id}/statements`, { s3_key: statements[0].s3_key }), 404);
    // And my match cannot pay their invoice.
    const theirInvoice = await openInvoice(theirs.tenant, 500);
    ok(await importStatement(mine, csvStatement([line('2026-11-02', '5.00', 'Mine')])), 201);
    const t = await only(mine, 'Mine');
    expect(expectDetail(await post(mine, t.id, 'match', { allocations: [{ invoice_id: theirInvoice.id, amount: 500 }] }), 404)).toContain(theirInvoice.id);
  });
});
