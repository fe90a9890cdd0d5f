import { sql } from 'kysely';
import { referenceTokens } from '../../domain/bank-statement.ts';
import { DomainError } from '../../domain/errors.ts';
import type { Db } from '../context.ts';
import { kindOf } from './auto-match.ts';
import { readTransaction } from './transactions.ts';

export interface Suggestion {
  invoice_id: string | null;
  bill_id: string | null;
  number: string | null;
  party_name: string;
  date: string;
  due_date: string;
  balance_due: number;
  score: number;
  reasons: ('amount' | 'number' | 'name')[];
}

// Weights in the order SPEC §13 ranks by: the exact amount, then the number named, then the party's name.
const AMOUNT = 4;
const NUMBER = 2;
const NAME = 1;
const LIMIT = 10;

/**
 * Candidates for matching an unmatched transaction by hand: open documents of its kind and
 * currency whose balance equals its amount, whose number it names, or whose customer's (or
 * vendor's) name appears in it, best first. One query.
 */
export async function suggestMatches(db: Db, businessId: string, id: string): Promise<Suggestion[]> {
  const t = await readTransaction(db, businessId, id);
  if (t.status !== 'unmatched') throw new DomainError('state.invalid', `The bank transaction is ${t.status}; suggestions are for unmatched ones.`);
  const kind = kindOf(t.amount);
  const amount = Math.abs(t.amount);
  const tokens = referenceTokens(t.description, t.reference);
  const text = `${t.description} ${t.reference ?? ''}`.toUpperCase();
  const rows = await sql<{ id: string; number: string | null; party_name: string; date: string; due_date: string; balance_due: number; by_amount: boolean; by_number: boolean; by_name: boolean }>`
    select id, coalesce(bill_number, number) as number, party_name, date, due_date, balance_due, by_amount, by_number, by_name
    from (
      select i.*, i.total + i.amount_debited - i.total_paid - i.credit_pre_payment as balance_due,
        i.total + i.amount_debited - i.total_paid - i.credit_pre_payment = ${amount} as by_amount,
        upper(coalesce(i.bill_number, i.number)) = any(${tokens}::text[]) as by_number,
        length(i.party_name) >= 3 and position(upper(i.party_name) in ${text}) > 0 as by_name
      from invoices i
      where i.business_id = ${businessId} and i.kind = ${kind} and i.currency = ${t.currency} and i.status in ('open', 'partially_paid')
    ) c
    where by_amount or by_number or by_name
    order by (case when by_amount then ${AMOUNT} else 0 end) + (case when by_number then ${NUMBER} else 0 end) + (case when by_name then ${NAME} else 0 end) desc, due_date, id
    limit ${LIMIT}`.execute(db);
  return rows.rows.map((r) => {
    const reasons = [r.by_amount && 'amount', r.by_number && 'number', r.by_name && 'name'].filter((x): x is Suggestion['reasons'][number] => typeof x === 'string');
    const score = (r.by_amount ? AMOUNT : 0) + (r.by_number ? NUMBER : 0) + (r.by_name ? NAME : 0);
    return { invoice_id: kind === 'invoice' ? r.id : null, bill_id: kind === 'bill' ? r.id : null, number: r.number, party_name: r.party_name, date: r.date, due_date: r.due_date, balance_due: r.balance_due, score, reasons };
  });
}
