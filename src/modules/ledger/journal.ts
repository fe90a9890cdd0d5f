import { type PostingLine, assertBalanced } from '../../domain/ledger.ts';
import { toSafeNumber } from '../../domain/decimal.ts';
import type { Tx } from '../context.ts';
import type { JournalEntryDraft } from '../invoicing/types.ts';

/**
 * Writes journal entries with two multi-row statements. All lines of an entry go in the
 * same statement, which is what the database's balance trigger checks.
 */
export async function postEntries(tx: Tx, businessId: string, entries: JournalEntryDraft[]): Promise<void> {
  const posted = entries.filter((e) => e.lines.length > 0);
  if (posted.length === 0) return;
  for (const entry of posted) assertBalanced(entry.lines);
  await tx
    .insertInto('journal_entries')
    .values(
      posted.map((e) => ({
        business_id: businessId,
        id: e.id,
        invoice_id: e.invoiceId,
        kind: e.kind,
        memo: e.memo,
        currency: e.currency,
        date: e.date,
        created_at: e.createdAt,
      })),
    )
    .execute();
  await tx
    .insertInto('journal_lines')
    .values(posted.flatMap((e) => e.lines.map((line, i) => lineValues(businessId, e.id, i, line))))
    .execute();
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
