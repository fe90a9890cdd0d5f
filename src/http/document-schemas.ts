import { Type } from 'typebox';
import { Closed, CurrencyCode, Id, MinorUnits, Nullable, Percent, StateCode, Text, Timestamp } from './schemas.ts';

/**
 * Invoice and bill shapes shared by every surface that creates or returns them: the native
 * API, the root single-create routes and /bulk (seeds/000, 001).
 */
const DateInput = Type.String({
  minLength: 10,
  maxLength: 35,
  description: 'YYYY-MM-DD, or an ISO date-time whose date part is used (e.g. 2026-05-12T00:00:00).',
});

export const LineItemInput = Closed({
  item_id: Type.Optional(Id),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  description: Type.Optional(Nullable(Text(2000))),
  hsn_code: Type.Optional(Nullable(Type.String({ pattern: '^[0-9]{4,8}$' }))),
  quantity: Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 1e12 }), Type.String({ pattern: '^\\d{1,12}(\\.\\d+)?$' })], {
    description: 'Greater than 0, at most 4 decimal places.',
  }),
  unit_price: Type.Optional(MinorUnits),
  tax_rate: Type.Optional(Percent),
  discount_percent: Type.Optional(Percent),
  discount_amount: Type.Optional(MinorUnits),
});

const documentFields = {
  date: Type.Optional(DateInput),
  due_date: Type.Optional(DateInput),
  place_of_supply: Type.Optional({ ...StateCode, description: "GST invoices: the state of supply, e.g. IN-MH. Default: the customer's state (bills: the vendor's)." }),
  currency: Type.Optional(CurrencyCode),
  description: Type.Optional(Text(2000)),
  notes: Type.Optional(Text(2000)),
  reference: Type.Optional(Text(200)),
  line_items: Type.Array(LineItemInput, { minItems: 1, maxItems: 10_000 }),
  auto_approve: Type.Optional(Type.Boolean()),
};

export const InvoiceInput = Closed({
  customer_id: Id,
  ...documentFields,
  auto_send: Type.Optional(Type.Boolean({ description: "With auto_approve: email the finalized invoice (PDF attached) to the customer's email, in the background." })),
});
export const BillInput = Closed({ vendor_id: Id, bill_number: Type.String({ minLength: 1, maxLength: 64 }), ...documentFields });

const Int = Type.Integer();
const NullableString = Nullable(Type.String());
/** Tax components and totals, per line and per document alike. */
const taxAmounts = { cgst: Int, sgst: Int, igst: Int, tax: Int, tax_total: Int, total: Int };

export const LineItemResponse = Type.Object({
  id: Type.String(),
  item_id: NullableString,
  name: Type.String(),
  description: NullableString,
  hsn_code: NullableString,
  quantity: Type.Number(),
  unit_price: Int,
  discount_percent: Nullable(Type.Number()),
  discount_amount: Nullable(Int),
  tax_rate: Type.Number(),
  amount: Int,
  discount: Int,
  taxable_amount: Int,
  ...taxAmounts,
});

export const JournalEntryResponse = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  memo: Type.String(),
  currency: Type.String(),
  date: Type.String(),
  created_at: Timestamp,
  lines: Type.Array(Type.Object({ account_code: Type.String(), debit: Int, credit: Int })),
});

export const PaymentResponse = Type.Object({
  id: Type.String(),
  amount: Int,
  paid_on: Type.String(),
  source: Type.String({ description: "manual, stripe, or credit (the customer's credit balance applied)." }),
  reference: NullableString,
  created_at: Timestamp,
  bank_transaction_id: Type.Union([Type.String(), Type.Null()], { description: 'The bank transaction this payment was matched to; null when none.' }),
});

const commonResponse = {
  id: Type.String(),
  object: Type.String(),
  business_id: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
  status: Type.String({ description: 'draft, open, partially_paid, manual_paid, stripe_paid, void' }),
  number: NullableString,
  currency: Type.String(),
  date: Type.String(),
  due_date: Type.String(),
  place_of_supply: NullableString,
  tax_regime: Type.String(),
  description: NullableString,
  reference: NullableString,
  line_items: Type.Array(LineItemResponse),
  subtotal: Int,
  discount_total: Int,
  ...taxAmounts,
  total_paid: Int,
  balance_due: Type.Integer({ description: 'total + amount_debited − total_paid − the pre-payment part of credit notes.' }),
  amount_credited: Type.Integer({ description: 'Σ totals of issued credit notes.' }),
  credit_notes: Type.Array(Type.String(), { description: 'Ids of credit notes on this invoice, oldest first.' }),
  amount_debited: Type.Integer({ description: 'Σ totals of issued debit notes.' }),
  debit_notes: Type.Array(Type.String(), { description: 'Ids of debit notes on this invoice, oldest first.' }),
  paid_on: NullableString,
  payments: Type.Array(PaymentResponse),
  journal_entries: Type.Array(JournalEntryResponse),
  stripe_invoice_id: NullableString,
  stripe_sync: Nullable(
    Type.Object(
      {
        status: Type.Union([Type.Literal('pending'), Type.Literal('synced'), Type.Literal('failed')]),
        error: Nullable(Type.String({ description: "Why the push failed (Stripe's error type and message)." })),
        payment_url: Nullable(Type.String({ description: "Stripe's hosted payment page; the hosted invoice page links to it while an amount is due." })),
        uncollectible: Type.Boolean({ description: 'Stripe marked the invoice uncollectible (invoice.marked_uncollectible); Billow changes nothing else.' }),
        synced_at: NullableString,
      },
      { description: 'The push of this invoice to Stripe (docs/stripe.md); null until one is asked for.' },
    ),
  ),
  pdf_url: NullableString,
  hosted_invoice_url: NullableString,
  delivered: Type.Boolean(),
  delivered_on: NullableString,
  recurring_template_id: NullableString,
  order_id: NullableString,
  import_id: NullableString,
  entity_id: NullableString,
  finalized_at: NullableString,
  voided_at: NullableString,
};

export const InvoiceResponse = Type.Object({
  ...commonResponse,
  customer_id: Type.String(),
  customer_name: Type.String(),
  customer_email: NullableString,
});

export const BillResponse = Type.Object({
  ...commonResponse,
  vendor_id: Type.String(),
  vendor_name: Type.String(),
  vendor_email: NullableString,
  bill_number: Type.String(),
});

export const PaymentInput = Closed({
  amount: Type.Integer({ minimum: 1, maximum: 1e15, description: 'Minor units.' }),
  paid_on: Type.Optional(Type.String({ format: 'date' })),
  source: Type.Optional(Type.Union([Type.Literal('manual'), Type.Literal('stripe')])),
  reference: Type.Optional(Text(200)),
});
