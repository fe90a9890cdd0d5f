import { DomainError } from '../../domain/errors.ts';
import type { Db } from '../context.ts';
import { type PreparedDocument, prepareDocument, type References } from '../invoicing/prepare.ts';
import { resolveReferences } from '../invoicing/references.ts';
import { documentInput, type InvoiceGroup, locate, type RowIssue, rowIssue } from './groups.ts';

export interface PrepareGroupsOptions {
  finalize: boolean;
  maxLineItems: number;
  now: string;
  clock: () => Date;
  importId?: string | undefined;
  /**
   * false: price and check each invoice, keep only the failures (a validation pass). Each
   * priced document is then garbage at once, instead of living, with a whole chunk of them,
   * long enough to be promoted to V8's old generation (docs/PERFORMANCE.md).
   */
  keepDocuments?: boolean | undefined;
}

export interface PreparedGroups {
  refs: References;
  /** Groups that are valid, with their priced documents, in file order. */
  documents: { group: InvoiceGroup; document: PreparedDocument }[];
  /** Groups with at least one issue; none of their rows becomes an invoice. */
  failed: InvoiceGroup[];
}

/**
 * Runs groups of rows through the invoicing engine without writing: references resolved
 * with one query per kind for all groups, then each invoice validated and priced by
 * `prepareDocument`; an engine error is mapped back to the row and column it came from.
 */
export async function prepareGroups(db: Db, businessId: string, groups: InvoiceGroup[], options: PrepareGroupsOptions): Promise<PreparedGroups> {
  const inputs = groups.map((group) => documentInput(group, options.finalize));
  const refs = await resolveReferences(db, businessId, 'invoice', inputs.filter((_, i) => groups[i]?.issues.length === 0));
  const prepared: PreparedGroups = { refs, documents: [], failed: [] };
  const origin = options.importId ? { import_id: options.importId } : undefined;
  groups.forEach((group, i) => {
    if (group.issues.length > 0) return prepared.failed.push(group);
    try {
      const document = prepareDocument(inputs[i] as (typeof inputs)[number], refs, { kind: 'invoice', maxLineItems: options.maxLineItems, now: options.now, clock: options.clock, origin });
      if (options.keepDocuments !== false) prepared.documents.push({ group, document });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const { row, column } = locate(group, error.field);
      group.issues.push(rowIssue(row, column, inFileTerms(error.message, column), error.code));
      prepared.failed.push(group);
    }
  });
  return prepared;
}

/** The engine names JSON fields (`line_items[1].unit_price`); a CSV user knows the column. */
const inFileTerms = (message: string, column: string | undefined) => (column ? message.replace(/'line_items\[\d+\]\.\w+'/g, `'${column}'`) : message);

export const issuesOf = (groups: InvoiceGroup[]): RowIssue[] => groups.flatMap((g) => g.issues).sort((a, b) => a.row - b.row);
