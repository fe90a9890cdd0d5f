import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/app.ts';
import { accountBalance, trialBalance } from '../invoicing/support.ts';
import { type Bank, bankTenant, csvStatement, importApp, importStatement, ok, openInvoice, transactions } from './support.ts';

/**
 * The ledger property of the credit-notes suite, for banking: random sequences of invoices,
 * statement lines (auto-matched or not), manual matches with partial amounts, unmatches,
 * ignores and payments by hand keep the books balanced, AR equal to what is owed, each bank
 * account's ledger balance equal to what its matched lines paid, and the reconciliation's
 * difference explained by its unmatched and ignored lines.
 */

let env: Awaited<ReturnType<typeof importApp>>;
beforeAll(async () => {
  env = await importApp();
});
afterAll(() => env.app.close());

type Command =
  | { t: 'invoice'; amount: number }
  | { t: 'line'; i: number; percent: number; named: boolean }
  | { t: 'match'; i: number; j: number }
  | { t: 'unmatch'; i: number }
  | { t: 'ignore'; i: number }
  | { t: 'pay'; i: number; percent: number };

const index = fc.nat({ max: 20 });
const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('invoice' as const), amount: fc.integer({ min: 100, max: 500_000 }) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('line' as const), i: index, percent: fc.constantFrom(100, 100, 50, 150), named: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('match' as const), i: index, j: index }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('unmatch' as const), i: index }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('ignore' as const), i: index }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('pay' as const), i: index, percent: fc.integer({ min: 1, max: 100 }) }), weight: 1 },
);

const pick = <T>(list: T[], i: number): T | undefined => list[i % Math.max(list.length, 1)];

async function run(bank: Bank, c: Command, invoices: string[], step: number): Promise<void> {
  if (c.t === 'invoice') {
    invoices.push((await openInvoice(bank.tenant, c.amount)).id);
    return;
  }
  if (c.t === 'line') {
    const id = pick(invoices, c.i);
    const invoice = id ? ok(await bank.tenant.get(`/api/v1/invoices/${id}`)) : undefined;
    const amount = Math.max(1, Math.floor(((invoice?.balance_due || 1_000) * c.percent) / 100));
    const text = c.named && invoice ? `Pay ${invoice.number}` : `Transfer ${step}`;
    ok(await importStatement(bank, csvStatement([['2026-11-20', (amount / 100).toFixed(2), text, '', `S${step}`, '']])), 201);
    return;
  }
  const lines = await transactions(bank);
  const t = pick(lines, c.i);
  if (!t) return;
  const url = `/api/v1/bank-transactions/${t.id}`;
  if (c.t === 'unmatch') expect((await bank.tenant.post(`${url}/unmatch`)).statusCode).toBe(t.status === 'unmatched' ? 409 : 200);
  else if (c.t === 'ignore') expect((await bank.tenant.post(`${url}/ignore`)).statusCode).toBe(t.status === 'unmatched' ? 200 : 409);
  else if (c.t === 'match') {
    const suggestions = t.status === 'unmatched' ? ok(await bank.tenant.get(`${url}/suggestions`)).items : [];
    const target = pick(invoices, c.j);
    const invoice = target ? ok(await bank.tenant.get(`/api/v1/invoices/${target}`)) : undefined;
    if (!invoice || t.amount <= 0) return;
    const response = await bank.tenant.post(`${url}/match`, { allocations: [{ invoice_id: invoice.id, amount: t.amount }] });
    const fits = t.status === 'unmatched' && invoice.balance_due >= t.amount && ['open', 'partially_paid'].includes(invoice.status);
    expect(response.statusCode, response.body).toBe(fits ? 200 : t.status === 'unmatched' && invoice.balance_due < t.amount ? 422 : 409);
    expect(Array.isArray(suggestions)).toBe(true);
  } else {
    const id = pick(invoices, c.i);
    if (!id) return;
    const invoice = ok(await bank.tenant.get(`/api/v1/invoices/${id}`));
    const amount = Math.max(1, Math.floor((invoice.balance_due * c.percent) / 100));
    expect((await bank.tenant.post(`/api/v1/invoices/${id}/payments`, { amount, paid_on: '2026-11-21' })).statusCode).toBe(invoice.balance_due > 0 ? 201 : 409);
  }
}

async function checkInvariants(bank: Bank): Promise<void> {
  const [tb, invoices, lines, rec] = await Promise.all([
    trialBalance(bank.tenant),
    ok(await bank.tenant.get('/api/v1/invoices?limit=500')).items as Json[],
    transactions(bank),
    ok(await bank.tenant.get(`/api/v1/bank-accounts/${bank.account.id}/reconciliation?as_of=2026-12-31`)),
  ]);
  for (const section of tb.currencies) expect(section.total_debit).toBe(section.total_credit);
  expect(accountBalance(tb, 'INR', '1100')).toBe(invoices.reduce((s, i) => s + i.balance_due, 0));
  const payments = invoices.flatMap((i) => i.payments as Json[]);
  const matched = lines.filter((t) => t.status === 'matched');
  expect(accountBalance(tb, 'INR', bank.account.account_code)).toBe(matched.reduce((s, t) => s + t.amount, 0));
  expect(accountBalance(tb, 'INR', '1000')).toBe(payments.filter((p) => p.bank_transaction_id === null).reduce((s, p) => s + p.amount, 0));
  for (const t of lines) {
    const linked = payments.filter((p) => p.bank_transaction_id === t.id).reduce((s, p) => s + p.amount, 0);
    expect(linked, `${t.status} line ${t.id}`).toBe(t.status === 'matched' ? Math.abs(t.amount) : 0);
  }
  for (const i of invoices) expect(i.status === 'manual_paid').toBe(i.balance_due === 0);
  expect(rec.difference).toBe(rec.unmatched_total + rec.ignored_total);
}

describe('ledger invariants with bank matching (property)', () => {
  it('random invoice/line/match/unmatch/ignore/pay sequences keep the books and the bank reconciled', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 8, maxLength: 20 }), async (commands) => {
        const bank = await bankTenant(env);
        const invoices: string[] = [(await openInvoice(bank.tenant, 10_000)).id];
        for (const [step, c] of commands.entries()) await run(bank, c, invoices, step);
        await checkInvariants(bank);
      }),
      { numRuns: 12 },
    );
  });
});
