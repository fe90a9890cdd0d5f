import { sql } from 'kysely';
import type { Db } from '../context.ts';

export interface TrialBalanceAccount {
  code: string;
  name: string;
  type: string;
  debit: number;
  credit: number;
  /** debit − credit: positive for debit balances. */
  balance: number;
}

export interface TrialBalance {
  as_of: string | null;
  currencies: { currency: string; accounts: TrialBalanceAccount[]; total_debit: number; total_credit: number; balanced: boolean }[];
}

/** Sums every posted line per account, one section per currency (amounts never mix currencies). */
export async function trialBalance(db: Db, businessId: string, asOf: string | undefined): Promise<TrialBalance> {
  const rows = await sql<{ currency: string; code: string; name: string; type: string; debit: number; credit: number }>`
    select e.currency, a.code, a.name, a.type, sum(l.debit)::bigint as debit, sum(l.credit)::bigint as credit
    from journal_lines l
    join journal_entries e on e.business_id = l.business_id and e.id = l.entry_id
    join accounts a on a.business_id = l.business_id and a.code = l.account_code
    where l.business_id = ${businessId} ${asOf ? sql`and e.date <= ${asOf}` : sql``}
    group by e.currency, a.code, a.name, a.type
    order by e.currency, a.code`.execute(db);
  const sections = new Map<string, TrialBalanceAccount[]>();
  for (const r of rows.rows) {
    const accounts = sections.get(r.currency) ?? [];
    accounts.push({ code: r.code, name: r.name, type: r.type, debit: r.debit, credit: r.credit, balance: r.debit - r.credit });
    sections.set(r.currency, accounts);
  }
  return {
    as_of: asOf ?? null,
    currencies: [...sections].map(([currency, accounts]) => {
      const totalDebit = accounts.reduce((s, a) => s + a.debit, 0);
      const totalCredit = accounts.reduce((s, a) => s + a.credit, 0);
      return { currency, accounts, total_debit: totalDebit, total_credit: totalCredit, balanced: totalDebit === totalCredit };
    }),
  };
}
