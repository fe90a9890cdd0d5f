import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer } from '../helpers/factories.ts';
import {
  accountBalance,
  balances,
  createInvoice,
  expect422,
  finalize,
  invoiceBody,
  ok,
  openInvoice,
  pay,
  shop,
  trialBalance,
  voidInvoice,
} from './support.ts';

let env: TestEnv;

beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

const OPEN_STATUSES = new Set(['open', 'partially_paid']);

function expectBalanced(tb: Json): void {
  for (const section of tb.currencies) {
    expect(section.total_debit, section.currency).toBe(section.total_credit);
    expect(section.balanced).toBe(true);
    const debit = section.accounts.reduce((sum: number, a: Json) => sum + a.debit, 0);
    const credit = section.accounts.reduce((sum: number, a: Json) => sum + a.credit, 0);
    expect(debit).toBe(section.total_debit);
    expect(credit).toBe(section.total_credit);
    for (const a of section.accounts) expect(a.balance).toBe(a.debit - a.credit);
  }
}

async function allInvoices(tenant: Awaited<ReturnType<typeof createBusiness>>): Promise<Json[]> {
  return ok(await tenant.get('/api/v1/invoices?limit=500')).items;
}

describe('GET /api/v1/reports/trial-balance', () => {
  it('balances per currency and shows AR = Σ open balances after a sequence', async () => {
    const s = await shop(env);
    await createCustomer(s.tenant, { id: 'ct_usd', name: 'Dollar buyer', currency: 'USD' });
    const a = await openInvoice(s.tenant, invoiceBody());
    const b = await openInvoice(s.tenant, invoiceBody({ place_of_supply: 'IN-KA', line_items: [{ item_id: 'it_widget', quantity: 3 }] }));
    const c = await openInvoice(s.tenant, invoiceBody());
    await createInvoice(s.tenant, invoiceBody()); // a draft posts nothing
    ok(await pay(s.tenant, a.id, { amount: 18_000 }), 201);
    ok(await pay(s.tenant, b.id, { amount: b.total }), 201);
    ok(await voidInvoice(s.tenant, c.id));
    const usd = await openInvoice(s.tenant, invoiceBody({ customer_id: 'ct_usd', line_items: [{ name: 'Export', quantity: 2, unit_price: 2_500, tax_rate: 0 }] }));

    const tb = await trialBalance(s.tenant);
    expect(tb.as_of).toBeNull();
    expect(tb.currencies.map((c: Json) => c.currency).sort()).toEqual(['INR', 'USD']);
    expectBalanced(tb);
    const invoices = await allInvoices(s.tenant);
    const openInr = invoices.filter((i) => i.currency === 'INR' && OPEN_STATUSES.has(i.status)).reduce((sum, i) => sum + i.balance_due, 0);
    expect(openInr).toBe(a.total - 18_000);
    expect(accountBalance(tb, 'INR', '1100')).toBe(openInr);
    expect(accountBalance(tb, 'INR', '1000')).toBe(18_000 + b.total);
    expect(accountBalance(tb, 'INR', '4000')).toBe(-(a.subtotal + b.subtotal));
    expect(accountBalance(tb, 'INR', '2202')).toBe(-b.igst);
    expect(accountBalance(tb, 'USD', '1100')).toBe(usd.total);
    expect(accountBalance(tb, 'USD', '1100')).toBe(5_000);
    const section = tb.currencies.find((c: Json) => c.currency === 'INR');
    expect(section.accounts.find((x: Json) => x.code === '1100')).toMatchObject({ name: 'Accounts Receivable', type: 'asset' });
  });

  it('filters by as_of on entry dates', async () => {
    const s = await shop(env);
    const open = await openInvoice(s.tenant, invoiceBody({ date: '2026-01-10' }));
    ok(await pay(s.tenant, open.id, { amount: 18_000, paid_on: '2026-02-15' }), 201);
    expect((await trialBalance(s.tenant, '2026-01-09')).currencies).toEqual([]);
    const january = await trialBalance(s.tenant, '2026-01-31');
    expect(january.as_of).toBe('2026-01-31');
    expectBalanced(january);
    expect(accountBalance(january, 'INR', '1100')).toBe(118_000);
    expect(accountBalance(january, 'INR', '1000')).toBe(0);
    const february = await trialBalance(s.tenant, '2026-02-28');
    expectBalanced(february);
    expect(accountBalance(february, 'INR', '1100')).toBe(100_000);
    expect(accountBalance(february, 'INR', '1000')).toBe(18_000);
    expect(accountBalance(await trialBalance(s.tenant, '2026-01-10'), 'INR', '1100')).toBe(118_000);
  });

  it('refuses a bad as_of with 422 and shows nothing of other businesses', async () => {
    const s = await shop(env);
    await openInvoice(s.tenant, invoiceBody());
    expect422(await s.tenant.get('/api/v1/reports/trial-balance?as_of=soon'), ['query', 'as_of']);
    const other = await createBusiness(env.app);
    expect((await trialBalance(other)).currencies).toEqual([]);
  });
});

type Command =
  | { t: 'create'; quantity: number; price: number; rate: number; inter: boolean; discount: number }
  | { t: 'finalize'; i: number }
  | { t: 'pay'; i: number; percent: number; stripe: boolean; over: boolean }
  | { t: 'void'; i: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    t: fc.constant('create' as const),
    quantity: fc.integer({ min: 1, max: 5 }),
    price: fc.integer({ min: 1, max: 200_000 }),
    rate: fc.constantFrom(0, 5, 12, 18, 28),
    inter: fc.boolean(),
    discount: fc.integer({ min: 0, max: 50 }),
  }),
  fc.record({ t: fc.constant('finalize' as const), i: fc.nat() }),
  fc.record({ t: fc.constant('pay' as const), i: fc.nat(), percent: fc.integer({ min: 1, max: 100 }), stripe: fc.boolean(), over: fc.boolean() }),
  fc.record({ t: fc.constant('void' as const), i: fc.nat() }),
);

interface Model {
  id: string;
  status: string;
  total: number;
  paid: number;
}

describe('ledger invariants (property)', () => {
  it('after random create/finalize/pay/void sequences the books balance and AR = Σ open balances', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 4, maxLength: 14 }), async (commands) => {
        const s = await shop(env);
        const models: Model[] = [];
        for (const c of commands) {
          if (c.t === 'create') {
            const line = { name: 'Thing', quantity: c.quantity, unit_price: c.price, tax_rate: c.rate, ...(c.discount ? { discount_percent: c.discount } : {}) };
            const created = await createInvoice(s.tenant, invoiceBody({ place_of_supply: c.inter ? 'IN-TN' : 'IN-MH', line_items: [line] }));
            models.push({ id: created.id, status: 'draft', total: created.total, paid: 0 });
            continue;
          }
          const m = models[c.i % Math.max(models.length, 1)];
          if (!m) continue;
          if (c.t === 'finalize') {
            const response = await finalize(s.tenant, m.id);
            if (m.status === 'draft') {
              expect(response.statusCode, response.body).toBe(200);
              m.status = 'open';
            } else expect(response.statusCode, response.body).toBe(409);
          } else if (c.t === 'void') {
            const response = await voidInvoice(s.tenant, m.id);
            if ((m.status === 'draft' || m.status === 'open') && m.paid === 0) {
              expect(response.statusCode, response.body).toBe(200);
              m.status = 'void';
            } else expect(response.statusCode, response.body).toBe(409);
          } else {
            const balance = m.total - m.paid;
            const amount = c.over ? balance + 1 : Math.max(1, Math.floor((balance * c.percent) / 100));
            const response = await pay(s.tenant, m.id, { amount, source: c.stripe ? 'stripe' : 'manual' });
            if (!OPEN_STATUSES.has(m.status)) expect(response.statusCode, response.body).toBe(409);
            else if (c.over) expect(response.statusCode, response.body).toBe(422);
            else {
              expect(response.statusCode, response.body).toBe(201);
              m.paid += amount;
              m.status = m.paid === m.total ? (c.stripe ? 'stripe_paid' : 'manual_paid') : 'partially_paid';
            }
          }
        }

        const invoices = await allInvoices(s.tenant);
        expect(invoices).toHaveLength(models.length);
        const byId = new Map(invoices.map((i) => [i.id, i]));
        for (const m of models) {
          const invoice = byId.get(m.id);
          expect(invoice).toMatchObject({ status: m.status, total_paid: m.paid, balance_due: m.total - m.paid });
          for (const entry of invoice.journal_entries) expect(balances(entry), JSON.stringify(entry)).toBe(true);
          // finalize (+ one per payment, + the reversal of a void); a never-finalized invoice posts nothing
          const expectedEntries = invoice.number === null ? 0 : 1 + invoice.payments.length + (invoice.status === 'void' ? 1 : 0);
          expect(invoice.journal_entries).toHaveLength(expectedEntries);
        }
        const tb = await trialBalance(s.tenant);
        expectBalanced(tb);
        const openBalance = models.filter((m) => OPEN_STATUSES.has(m.status)).reduce((sum, m) => sum + m.total - m.paid, 0);
        expect(accountBalance(tb, 'INR', '1100')).toBe(openBalance);
        expect(accountBalance(tb, 'INR', '1000')).toBe(models.reduce((sum, m) => sum + m.paid, 0));
      }),
      { numRuns: 15 },
    );
  });
});

describe('the database guards the journal', () => {
  async function businessWithEntry() {
    const s = await shop(env);
    const open = await openInvoice(s.tenant, invoiceBody());
    return { businessId: s.tenant.id, invoiceId: open.id as string, entryId: open.journal_entries[0].id as string };
  }

  const entryRow = (businessId: string, id: string) =>
    sql`insert into journal_entries (business_id, id, invoice_id, kind, memo, currency, date, created_at)
        values (${businessId}, ${id}, null, 'manual', 'test entry', 'INR', '2026-05-12', now())`;

  const countLines = async (businessId: string) =>
    Number((await sql<{ n: string | number }>`select count(*) as n from journal_lines where business_id = ${businessId}`.execute(env.database.db)).rows[0]?.n);

  it('refuses journal lines that do not balance', async () => {
    const { businessId } = await businessWithEntry();
    const before = await countLines(businessId);
    const id = randomUUID();
    await expect(
      env.database.db.transaction().execute(async (tx) => {
        await entryRow(businessId, id).execute(tx);
        await sql`insert into journal_lines (business_id, entry_id, line_no, account_code, debit, credit)
                  values (${businessId}, ${id}, 1, '1000', 100, 0), (${businessId}, ${id}, 2, '4000', 0, 99)`.execute(tx);
      }),
    ).rejects.toThrow(/does not balance/);
    expect(await countLines(businessId)).toBe(before);
    const entry = await sql`select id from journal_entries where business_id = ${businessId} and id = ${id}`.execute(env.database.db);
    expect(entry.rows).toHaveLength(0);
  });

  it('refuses an entry written one side per statement', async () => {
    const { businessId } = await businessWithEntry();
    const id = randomUUID();
    await expect(
      env.database.db.transaction().execute(async (tx) => {
        await entryRow(businessId, id).execute(tx);
        await sql`insert into journal_lines (business_id, entry_id, line_no, account_code, debit, credit) values (${businessId}, ${id}, 1, '1000', 100, 0)`.execute(tx);
        await sql`insert into journal_lines (business_id, entry_id, line_no, account_code, debit, credit) values (${businessId}, ${id}, 2, '4000', 0, 100)`.execute(tx);
      }),
    ).rejects.toThrow(/does not balance/);
  });

  it('accepts a balanced entry (rolled back by the test)', async () => {
    const { businessId } = await businessWithEntry();
    const id = randomUUID();
    const sentinel = new Error('roll back on purpose');
    await expect(
      env.database.db.transaction().execute(async (tx) => {
        await entryRow(businessId, id).execute(tx);
        await sql`insert into journal_lines (business_id, entry_id, line_no, account_code, debit, credit)
                  values (${businessId}, ${id}, 1, '1000', 100, 0), (${businessId}, ${id}, 2, '4000', 0, 100)`.execute(tx);
        const n = await sql<{ n: string | number }>`select count(*) as n from journal_lines where business_id = ${businessId} and entry_id = ${id}`.execute(tx);
        expect(Number(n.rows[0]?.n)).toBe(2);
        throw sentinel;
      }),
    ).rejects.toBe(sentinel);
  });

  it('refuses UPDATE and DELETE on journal lines and entries (append-only)', async () => {
    const { businessId, entryId } = await businessWithEntry();
    const before = (await sql<{ line_no: number; debit: number; credit: number }>`
      select line_no, debit, credit from journal_lines where business_id = ${businessId} and entry_id = ${entryId} order by line_no`.execute(env.database.db)).rows;
    expect(before.length).toBeGreaterThan(1);
    await expect(sql`update journal_lines set debit = debit + 1 where business_id = ${businessId} and entry_id = ${entryId} and debit > 0`.execute(env.database.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`update journal_lines set debit = 0, credit = 0 where business_id = ${businessId}`.execute(env.database.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from journal_lines where business_id = ${businessId} and entry_id = ${entryId}`.execute(env.database.db)).rejects.toThrow(/append-only/);
    await expect(sql`update journal_entries set memo = 'edited' where business_id = ${businessId} and id = ${entryId}`.execute(env.database.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from journal_entries where business_id = ${businessId} and id = ${entryId}`.execute(env.database.db)).rejects.toThrow(/append-only/);
    const after = (await sql<{ line_no: number; debit: number; credit: number }>`
      select line_no, debit, credit from journal_lines where business_id = ${businessId} and entry_id = ${entryId} order by line_no`.execute(env.database.db)).rows;
    expect(after).toEqual(before);
  });
});
