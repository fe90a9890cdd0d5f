import type { Db } from '../context.ts';
import type { Page, PageRequest } from '../pagination.ts';
import { type ChargeFilters, getCharge, listCharges } from './repository.ts';
import { type ChargeView, chargeView } from './view.ts';

export async function getDelayedCharge(db: Db, businessId: string, id: string): Promise<ChargeView> {
  return chargeView(await getCharge(db, businessId, id));
}

export async function listDelayedCharges(db: Db, businessId: string, filters: ChargeFilters, page: PageRequest): Promise<Page<ChargeView>> {
  const rows = await listCharges(db, businessId, filters, page);
  return { ...rows, items: rows.items.map(chargeView) };
}
