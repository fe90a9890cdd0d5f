import type { ImportRow } from '../../db/schema.ts';
import { DomainError } from '../../domain/errors.ts';
import { type Context, transact } from '../context.ts';
import { lockImport } from './repository.ts';

/**
 * Cancels a queued or running import. The worker sees it before its next chunk (chunks lock
 * the same row), so invoices of chunks already committed stay and no further chunk commits.
 */
export async function cancelImport(ctx: Context, id: string): Promise<ImportRow> {
  return transact(ctx, async (tx) => {
    const row = await lockImport(tx, ctx.businessId, id);
    if (row.status !== 'queued' && row.status !== 'running') throw new DomainError('state.invalid', `Import is already ${row.status}.`);
    const now = ctx.clock().toISOString();
    await tx.updateTable('imports').set({ status: 'cancelled', finished_at: now, updated_at: now }).where('business_id', '=', ctx.businessId).where('id', '=', id).execute();
    return { ...row, status: 'cancelled', finished_at: now, updated_at: now };
  });
}
