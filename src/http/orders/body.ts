import { RequestError } from '../problem.ts';

export interface InvoicesFromOrdersBody {
  orderIds: string[];
  finalize: boolean;
}

/** The seeds/003 message for a missing or malformed orderIds, word for word. */
export const ORDER_IDS_REQUIRED = 'Validation error: orderIds is required and must be an array';

// Order ids are client-chosen ids or UUIDv7s: anything else cannot name an order.
const ORDER_ID = /^[A-Za-z0-9_-]{1,64}$/;

const refuse = (message: string) => new RequestError(400, 'validation.invalid', message);

function orderIds(value: unknown, max: number): string[] {
  if (!Array.isArray(value) || value.length === 0) throw refuse(ORDER_IDS_REQUIRED);
  if (value.length > max) throw refuse(`Validation error: orderIds may name at most ${max} orders; got ${value.length}`);
  const bad = value.findIndex((id) => typeof id !== 'string' || !ORDER_ID.test(id));
  if (bad >= 0) throw refuse(`Validation error: orderIds[${bad}] must be an order id (1–64 characters of A-Z, a-z, 0-9, _ and -)`);
  return value as string[];
}

/**
 * Checked by hand rather than by the route schema, so that each refusal carries the seed's
 * exact wording instead of a generic schema message.
 */
export function parseBody(body: unknown, maxOrderIds: number): InvoicesFromOrdersBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw refuse(ORDER_IDS_REQUIRED);
  const { orderIds: ids, finalize, ...rest } = body as Record<string, unknown>;
  const ordered = orderIds(ids, maxOrderIds);
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw refuse(`Validation error: unknown field '${extra.slice(0, 64)}'; only orderIds and finalize are accepted`);
  if (finalize !== undefined && typeof finalize !== 'boolean') throw refuse('Validation error: finalize must be true or false');
  return { orderIds: ordered, finalize: finalize ?? true };
}
