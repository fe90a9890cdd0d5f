import { DomainError, notFound } from '../../domain/errors.ts';
import { type Context, transact } from '../context.ts';
import { cancelOpenOrder, findOrders } from './repository.ts';
import { type OrderView, orderView } from './types.ts';

/**
 * Cancels an order that has no invoice yet. Cancelling a cancelled order changes nothing; an
 * invoiced order cannot be cancelled (its invoice is corrected by a credit note instead).
 */
export async function cancelOrder(ctx: Context, id: string): Promise<OrderView> {
  return transact(ctx, async (tx) => {
    const status = await cancelOpenOrder(tx, ctx.businessId, id, ctx.clock().toISOString());
    if (status === undefined) throw notFound('Order', id);
    if (status === 'invoiced') throw new DomainError('state.invalid', `Order '${id}' is invoiced and cannot be cancelled.`);
    const order = (await findOrders(tx, ctx.businessId, [id])).get(id);
    if (!order) throw notFound('Order', id);
    return orderView(order);
  });
}
