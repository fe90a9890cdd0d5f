import { Type } from 'typebox';
import { ClientId, Closed, CurrencyCode, Gstin, MinorUnits, Nullable, Percent, StateCode, Text, Timestamp } from '../schemas.ts';

const Address = Closed({
  line1: Type.Optional(Text(200)),
  line2: Type.Optional(Text(200)),
  city: Type.Optional(Text(100)),
  state: Type.Optional(Text(100)),
  postal_code: Type.Optional(Text(20)),
  country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
});

const partyFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  email: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 254 }))),
  currency: Type.Optional(Nullable(CurrencyCode)),
  billing_address: Type.Optional(Nullable(Address)),
  state: Type.Optional(Nullable(StateCode)),
  gstin: Type.Optional(Nullable(Gstin)),
  payment_terms_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
};

export const PartyCreate = Closed({ id: Type.Optional(ClientId), ...partyFields });
export const PartyUpdate = Closed({ ...partyFields, name: Type.Optional(partyFields.name) }, { minProperties: 1 });
export const Party = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Nullable(Type.String()),
  currency: Nullable(Type.String()),
  billing_address: Nullable(Type.Object({}, { additionalProperties: true })),
  state: Nullable(Type.String()),
  gstin: Nullable(Type.String()),
  payment_terms_days: Type.Integer(),
  credit_balance: Type.Optional(
    Type.Record(Type.String(), Type.Integer(), { description: "Customers only: credit held per currency (minor units), applied to the customer's next invoice in it." }),
  ),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const itemFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Nullable(Text(2000))),
  unit_price: MinorUnits,
  currency: Type.Optional(Nullable(CurrencyCode)),
  tax_rate: Type.Optional(Percent),
  hsn_code: Type.Optional(Nullable(Type.String({ pattern: '^[0-9]{4,8}$', description: 'HSN/SAC code, 4–8 digits.' }))),
};

export const ItemCreate = Closed({ id: Type.Optional(ClientId), ...itemFields });
export const ItemUpdate = Closed(
  { ...itemFields, name: Type.Optional(itemFields.name), unit_price: Type.Optional(itemFields.unit_price) },
  { minProperties: 1 },
);
export const Item = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  unit_price: Type.Integer(),
  currency: Nullable(Type.String()),
  tax_rate: Type.Number({ description: 'Percent, e.g. 18.' }),
  hsn_code: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});
