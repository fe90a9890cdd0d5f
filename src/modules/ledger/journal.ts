import { type PostingLine, assertBalanced } from '../../domain/ledger.ts';
import { toSafeNumber } from '../../domain/decimal.ts';
import type { JournalEntriesTable, JournalLinesTable } from '../../db/schema.ts';
import { type ColumnType, insertRows } from '../../db/insert-rows.ts';
import type { Tx } from '../context.ts';
import type { JournalEntryDraft } from '../invoicing/types.ts';

const ENTRY_COLUMNS = {
  business_id: 'text',
  id: 'text',
  invoice_id: 'text',
  note_id: 'text',
  kind: 'text',
  memo: 'text',
  currency: 'text',
  date: 'date',
  created_at: 'timestamptz',
} as const satisfies Record<keyof JournalEntriesTable, ColumnType>;

const LINE_COLUMNS = {
  business_id: 'text',
  entry_id: 'text',
  line_no: 'int',
  account_code: 'text',
  debit: 'bigint',
  credit: 'bigint',
} as const satisfies Record<keyof JournalLinesTable, ColumnType>;

/**
 * Writes journal entries with two set-based statements. All lines of an entry go in the
 * same statement, which is what the database's balance trigger checks.
 */
export async function postEntries(tx: Tx, businessId: string, entries: JournalEntryDraft[]): Promise<void> {
  const posted = entries.filter((e) => e.lines.length > 0);
  if (posted.length === 0) return;
  for (const entry of posted) assertBalanced(entry.lines);
  const entryRows = posted.map((e) => ({
    business_id: businessId,
    id: e.id,
    invoice_id: e.invoiceId,
    note_id: e.noteId ?? null,
    kind: e.kind,
    memo: e.memo,
    currency: e.currency,
    date: e.date,
    created_at: e.createdAt,
  }));
  await insertRows(tx, 'journal_entries', ENTRY_COLUMNS, entryRows);
  await insertRows(tx, 'journal_lines', LINE_COLUMNS, posted.flatMap((e) => e.lines.map((line, i) => lineValues(businessId, e.id, i, line))));
}

function lineValues(businessId: string, entryId: string, index: number, line: PostingLine) {
  return {
    business_id: businessId,
    entry_id: entryId,
    line_no: index + 1,
    account_code: line.account,
    debit: toSafeNumber(line.debit, 'amount'),
    credit: toSafeNumber(line.credit, 'amount'),
  };
}
