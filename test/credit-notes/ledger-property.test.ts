import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import type { Tenant } from '../helpers/factories.ts';
import { accountBalance, finalize, invoiceBody, ok, pay, shop, trialBalance, voidInvoice } from '../invoicing/support.ts';
import { creditNote, debitNote, getInvoice, voidNote } from './support.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

type Settle = 'refund' | 'credit' | 'oob' | 'mixed';
type Command =
  | { t: 'create'; quantity: number; price: number; rate: number; inter: boolean; approve: boolean }
  | { t: 'finalize'; i: number }
  | { t: 'pay'; i: number; percent: number }
  | { t: 'credit'; i: number; percent: number; settle: Settle; free: boolean }
  | { t: 'debit'; i: number; amount: number }
  | { t: 'void_note'; i: number }
  | { t: 'void_invoice'; i: number };

const index = fc.nat({ max: 20 });
const create = fc.record({
  t: fc.constant('create' as const),
  quantity: fc.integer({ min: 1, max: 4 }),
  price: fc.integer({ min: 1, max: 50_000 }),
  rate: fc.constantFrom(0, 5, 12, 18, 28),
  inter: fc.boolean(),
  approve: fc.boolean(),
});
// Weighted towards the operations that move money, so most runs issue several notes.
const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: create, weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('finalize' as const), i: index }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('pay' as const), i: index, percent: fc.integer({ min: 1, max: 100 }) }), weight: 3 },
  {
    arbitrary: fc.record({ t: fc.constant('credit' as const), i: index, percent: fc.integer({ min: 1, max: 100 }), settle: fc.constantFrom<Settle>('refund', 'credit', 'oob', 'mixed'), free: fc.boolean() }),
    weight: 5,
  },
  { arbitrary: fc.record({ t: fc.constant('debit' as const), i: index, amount: fc.integer({ min: 1, max: 20_000 }) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('void_note' as const), i: index }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('void_invoice' as const), i: index }), weight: 1 },
);
/** Every run starts with two finalized invoices (intra- and inter-state), then random commands. */
const sequence = fc
  .tuple(create.map((c) => ({ ...c, approve: true, inter: false })), create.map((c) => ({ ...c, approve: true, inter: true })), fc.array(command, { minLength: 6, maxLength: 18 }))
  .map(([a, b, rest]): Command[] => [a, b, ...rest]);

const ISSUED = new Set(['open', 'partially_paid', 'manual_paid', 'stripe_paid']);

/** What the part above the unpaid balance is, as the 422 for a missing settlement names it. */
function postPart(response: { statusCode: number; body: string }): number | undefined {
  if (response.statusCode !== 422) return undefined;
  const match = /must equal the part of the credit above the unpaid balance: (\d+)/.exec(response.body);
  return match ? Number(match[1]) : undefined;
}

function settlement(post: number, mode: Settle): Json {
  if (mode === 'mixed') {
    const third = Math.floor(post / 3);
    return { refund_amount: third, credit_amount: third, out_of_band_amount: post - 2 * third };
  }
  return { [{ refund: 'refund_amount', credit: 'credit_amount', oob: 'out_of_band_amount' }[mode]]: post };
}

async function credit(tenant: Tenant, invoice: Json, c: Extract<Command, { t: 'credit' }>): Promise<void> {
  const line = invoice.line_items[0];
  const lines = c.free
    ? [{ description: 'Adjustment', amount: Math.max(1, Math.floor((invoice.subtotal * c.percent) / 100)), tax_rate: line.tax_rate }]
    : [{ line_id: line.id, quantity: (Math.max(1, Math.floor(line.quantity * c.percent * 100)) / 10_000).toFixed(4) }];
  const body = { reason: 'other', date: '2026-06-01', lines };
  const first = await creditNote(tenant, invoice.id, body);
  const post = postPart(first);
  if (post === undefined) {
    // Issued, or refused for a reason the model does not predict (caps, state): both are 4xx-or-201.
    expect([201, 409, 422], first.body).toContain(first.statusCode);
    if (!ISSUED.has(invoice.status)) expect(first.statusCode).toBe(409);
    return;
  }
  ok(await creditNote(tenant, invoice.id, { ...body, ...settlement(post, c.settle) }), 201);
}

async function run(tenant: Tenant, c: Command, ids: string[], notes: { id: string; kind: string }[]): Promise<void> {
  if (c.t === 'create') {
    const line = { name: 'Thing', quantity: c.quantity, unit_price: c.price, tax_rate: c.rate };
    const created = ok(await tenant.post('/api/v1/invoices', invoiceBody({ place_of_supply: c.inter ? 'IN-TN' : 'IN-MH', line_items: [line], auto_approve: c.approve })), 201);
    ids.push(created.id);
    return;
  }
  const id = ids[c.i % Math.max(ids.length, 1)];
  if (c.t === 'void_note') {
    const note = notes[c.i % Math.max(notes.length, 1)];
    if (note) expect([200, 409]).toContain((await voidNote(tenant, note.id, note.kind)).statusCode);
    return;
  }
  if (!id) return;
  const invoice = await getInvoice(tenant, id);
  if (c.t === 'finalize') expect((await finalize(tenant, id)).statusCode).toBe(invoice.status === 'draft' ? 200 : 409);
  else if (c.t === 'void_invoice') expect([200, 409]).toContain((await voidInvoice(tenant, id)).statusCode);
  else if (c.t === 'pay') {
    const amount = Math.max(1, Math.floor((invoice.balance_due * c.percent) / 100));
    const payable = (invoice.status === 'open' || invoice.status === 'partially_paid') && invoice.balance_due > 0;
    expect((await pay(tenant, id, { amount })).statusCode).toBe(payable ? 201 : 409);
  } else if (c.t === 'credit') await credit(tenant, invoice, c);
  else {
    const response = await debitNote(tenant, id, { date: '2026-06-01', lines: [{ description: 'Freight', amount: c.amount, tax_rate: 18 }] });
    expect(response.statusCode, response.body).toBe(ISSUED.has(invoice.status) ? 201 : 409);
  }
  const after = await getInvoice(tenant, id);
  for (const [kind, list] of [['credit-notes', after.credit_notes], ['debit-notes', after.debit_notes]] as const) {
    for (const noteId of list) if (!notes.some((n) => n.id === noteId)) notes.push({ id: noteId, kind });
  }
}

async function all(tenant: Tenant, path: string): Promise<Json[]> {
  return ok(await tenant.get(`${path}${path.includes('?') ? '&' : '?'}limit=500`)).items;
}

const components = ['subtotal', 'cgst', 'sgst', 'igst', 'tax'] as const;

async function checkInvariants(tenant: Tenant): Promise<void> {
  const [tb, invoices, credits, debits, customer] = await Promise.all([
    trialBalance(tenant),
    all(tenant, '/api/v1/invoices'),
    all(tenant, '/api/v1/credit-notes'),
    all(tenant, '/api/v1/debit-notes'),
    tenant.get('/api/v1/customers/ct_acme').then((r) => ok(r)),
  ]);
  for (const section of tb.currencies) expect(section.total_debit).toBe(section.total_credit);
  const issued = invoices.filter((i) => ISSUED.has(i.status));
  for (const i of issued) {
    expect(i.balance_due).toBeGreaterThanOrEqual(0);
    expect(i.balance_due === 0, `${i.status} with balance ${i.balance_due}`).toBe(i.status === 'manual_paid' || i.status === 'stripe_paid');
    const sum = (notes: Json[], c: string) => notes.filter((n) => n.invoice_id === i.id && n.status === 'issued').reduce((s, n) => s + n[c], 0);
    for (const c of components) expect(sum(credits, c), `${c} of ${i.id}`).toBeLessThanOrEqual(i[c] + sum(debits, c));
    expect(i.amount_credited).toBe(sum(credits, 'total'));
    expect(i.amount_debited).toBe(sum(debits, 'total'));
  }
  expect(accountBalance(tb, 'INR', '1100')).toBe(issued.reduce((s, i) => s + i.balance_due, 0));
  // Customer credits is a liability: its balance is the credit side of what customers hold.
  expect(accountBalance(tb, 'INR', '2300') + (customer.credit_balance.INR ?? 0)).toBe(0);
  const money = issued.flatMap((i) => i.payments).filter((p: Json) => p.source !== 'credit').reduce((s: number, p: Json) => s + p.amount, 0);
  const paidBack = credits.filter((n) => n.status === 'issued').reduce((s, n) => s + n.refund_amount + n.out_of_band_amount, 0);
  expect(accountBalance(tb, 'INR', '1000')).toBe(money - paidBack);
}

describe('ledger invariants with credit and debit notes (property)', () => {
  it('random create/finalize/pay/credit/debit/void sequences keep the books balanced and within caps', async () => {
    await fc.assert(
      fc.asyncProperty(sequence, async (commands) => {
        const s = await shop(env);
        const ids: string[] = [];
        const notes: { id: string; kind: string }[] = [];
        for (const c of commands) await run(s.tenant, c, ids, notes);
        await checkInvariants(s.tenant);
      }),
      { numRuns: 15 },
    );
  });
});
