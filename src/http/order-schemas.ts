import { Type } from 'typebox';
import { LineItemInput } from './document-schemas.ts';
import { ClientId, Closed, CurrencyCode, Id, Nullable, StateCode, Timestamp } from './schemas.ts';

/** Order shapes shared by the native API (/api/v1/orders) and POST /bulk/orders. */
export const OrderMeta = Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean(), Type.Null()]), {
  maxProperties: 50,
  propertyNames: { minLength: 1, maxLength: 64 },
  description: "The shop's own values (channel, external ids): up to 50 keys of 1–64 characters, JSON scalars as values. Shown as metaFields by POST /invoices/bulk.",
});

export const OrderLineInput = Closed({
  id: Type.Optional({ ...ClientId, description: "The shop's line id (1–64 of [A-Za-z0-9_-]), unique within the order; omit for a UUIDv7." }),
  ...LineItemInput.properties,
});

export const OrderInput = Closed({
  id: Type.Optional({ ...ClientId, description: "The shop's order id, e.g. '69ab24db449866373d5e3e35'; omit for a UUIDv7." }),
  customer_id: Id,
  currency: CurrencyCode,
  place_of_supply: Type.Optional({ ...StateCode, description: "GST orders: the state of supply, e.g. IN-MH. Default: the customer's state." }),
  line_items: Type.Array(OrderLineInput, { minItems: 1, maxItems: 10_000 }),
  meta: Type.Optional(OrderMeta),
});

const NullableString = Nullable(Type.String());

export const OrderResponse = Type.Object({
  id: Type.String(),
  object: Type.Literal('order'),
  business_id: Type.String(),
  customer_id: Type.String(),
  currency: Type.String(),
  place_of_supply: NullableString,
  status: Type.String({ description: 'open, invoiced or cancelled' }),
  total: Type.Integer({ description: 'Minor units, priced as the invoice will be.' }),
  invoice_id: NullableString,
  meta: OrderMeta,
  line_items: Type.Array(
    Type.Object({
      id: Type.String(),
      item_id: NullableString,
      name: Type.String(),
      description: NullableString,
      hsn_code: NullableString,
      quantity: Type.Number(),
      unit_price: Type.Integer(),
      discount_percent: Nullable(Type.Number()),
      discount_amount: Nullable(Type.Integer()),
      tax_rate: Type.Number(),
    }),
  ),
  created_at: Timestamp,
  updated_at: Timestamp,
});
