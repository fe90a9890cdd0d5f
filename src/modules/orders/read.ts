import { notFound } from '../../domain/errors.ts';
import type { Db } from '../context.ts';
import type { Page, PageRequest } from '../pagination.ts';
import { findOrders, listOrderRows, type OrderFilters } from './repository.ts';
import { type OrderView, orderView } from './types.ts';

export async function getOrder(db: Db, businessId: string, id: string): Promise<OrderView> {
  const order = (await findOrders(db, businessId, [id])).get(id);
  if (!order) throw notFound('Order', id);
  return orderView(order);
}

/** Newest first; three queries per page (ids, orders, lines). */
export async function listOrders(db: Db, businessId: string, filters: OrderFilters, page: PageRequest): Promise<Page<OrderView>> {
  const ids = await listOrderRows(db, businessId, filters, page);
  const orders = await findOrders(db, businessId, ids.items);
  const items = ids.items.flatMap((id) => {
    const order = orders.get(id);
    return order ? [orderView(order)] : [];
  });
  return { ...ids, items };
}
