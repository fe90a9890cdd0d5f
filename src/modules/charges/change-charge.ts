import { DomainError } from '../../domain/errors.ts';
import { type Context, transact, type Tx } from '../context.ts';
import { deleteCharge, lockCharge, updateCharge } from './repository.ts';
import { type ChargeTerms, resolveTerms } from './terms.ts';
import { type ChargeView, chargeView } from './view.ts';

export interface ChargePatch extends ChargeTerms {
  description?: string | undefined;
}

/** Locks a charge and checks it can still change: an invoiced charge is part of an invoice. */
async function lockPending(tx: Tx, ctx: Context, id: string) {
  const row = await lockCharge(tx, ctx.businessId, id);
  if (row.status !== 'pending') {
    throw new DomainError('state.invalid', `Delayed charge '${id}' is already on invoice '${row.invoice_id}' and can no longer change.`);
  }
  return row;
}

/** Changes a pending charge; the lock makes it wait for (and then lose to) a batch sweeping it. */
export async function updateDelayedCharge(ctx: Context, id: string, patch: ChargePatch): Promise<ChargeView> {
  return transact(ctx, async (tx) => {
    const row = await lockPending(tx, ctx, id);
    const terms = resolveTerms(patch, { quantity: row.quantity, unitPrice: row.unit_price, taxRate: row.tax_rate, currency: row.currency });
    const updated = await updateCharge(tx, ctx.businessId, id, { description: patch.description ?? row.description, ...terms }, ctx.clock().toISOString());
    return chargeView(updated);
  });
}

export async function deleteDelayedCharge(ctx: Context, id: string): Promise<void> {
  await transact(ctx, async (tx) => {
    await lockPending(tx, ctx, id);
    await deleteCharge(tx, ctx.businessId, id);
  });
}
