import { sql } from 'kysely';
import type { Db, Tx } from '../context.ts';
import type { EntryView } from '../invoicing/view.ts';

interface EntryLine {
  id: string;
  owner_id: string;
  kind: string;
  memo: string;
  currency: string;
  date: string;
  created_at: string;
  account_code: string;
  debit: number;
  credit: number;
}

/**
 * Journal entries of documents, grouped by the document they belong to (an invoice or bill
 * through `invoice_id`, a credit or debit note through `note_id`): one query whatever the count.
 */
export async function loadEntryViews(db: Db | Tx, businessId: string, column: 'invoice_id' | 'note_id', ids: string[]): Promise<Map<string, EntryView[]>> {
  const result = await sql<EntryLine>`
    select e.id, e.${sql.ref(column)} as owner_id, e.kind, e.memo, e.currency, e.date, e.created_at, l.account_code, l.debit, l.credit
    from journal_entries e join journal_lines l on l.business_id = e.business_id and l.entry_id = e.id
    where e.business_id = ${businessId} and e.${sql.ref(column)} = any(${ids}::text[])
    order by e.id, l.line_no`.execute(db);
  const byOwner = new Map<string, EntryView[]>();
  for (const r of result.rows) {
    const views = byOwner.get(r.owner_id) ?? [];
    let view = views.at(-1);
    if (view?.id !== r.id) {
      view = { id: r.id, kind: r.kind, memo: r.memo, currency: r.currency, date: r.date, created_at: r.created_at, lines: [] };
      views.push(view);
    }
    view.lines.push({ account_code: r.account_code, debit: r.debit, credit: r.credit });
    byOwner.set(r.owner_id, views);
  }
  return byOwner;
}
