import type { ObjectStore } from '../../storage/index.ts';
import { readCsvRows } from './csv-rows.ts';
import { Grouper, type InvoiceGroup } from './groups.ts';

/** Whole invoices of a file, a chunk at a time; `lastRow` is the checkpoint it completes. */
export interface Chunk {
  groups: InvoiceGroup[];
  lastRow: number;
  bytes: number;
}

const lastRowOf = (group: InvoiceGroup) => group.rows[group.rows.length - 1]?.row ?? 0;

/**
 * Streams a stored CSV file as chunks of at least `size` complete invoices (the last chunk
 * may be smaller), starting after data row `after`. Chunks end on invoice boundaries, so a
 * checkpoint is always between two invoices. Memory holds one chunk.
 */
export async function* fileChunks(store: ObjectStore, businessId: string, key: string, after: number, size: number): AsyncGenerator<Chunk> {
  const grouper = new Grouper();
  let groups: InvoiceGroup[] = [];
  let bytes = 0;
  for await (const row of readCsvRows(await store.get(businessId, key))) {
    if (row.row <= after) {
      grouper.skip(row);
      continue;
    }
    const done = grouper.add(row);
    if (done) groups.push(done);
    if (groups.length >= size) {
      yield { groups, lastRow: lastRowOf(groups[groups.length - 1] as InvoiceGroup), bytes };
      groups = [];
    }
    bytes = row.bytes;
  }
  const last = grouper.flush();
  if (last) groups.push(last);
  if (groups.length > 0) yield { groups, lastRow: lastRowOf(groups[groups.length - 1] as InvoiceGroup), bytes };
}
