import { Type } from 'typebox';
import { NOTE_REASONS } from '../domain/credit-notes.ts';
import { JournalEntryResponse, LineItemInput } from './document-schemas.ts';
import { Closed, Id, MinorUnits, Nullable, Percent, Text, Timestamp } from './schemas.ts';

/** Credit and debit note shapes shared by the native API and /bulk/credit-notes. */
const PositiveAmount = Type.Integer({ minimum: 1, maximum: 1e15, description: 'Taxable amount in minor units.' });

export const NoteLineInput = Closed(
  {
    line_id: Type.Optional({ ...Id, description: 'An invoice line: credit part of its quantity or a taxable amount at its terms.' }),
    quantity: Type.Optional(LineItemInput.properties.quantity),
    amount: Type.Optional(PositiveAmount),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A line of its own (with amount and tax_rate).' })),
    tax_rate: Type.Optional(Percent),
  },
  { description: 'Either {line_id, quantity}, {line_id, amount} or {description, amount, tax_rate}.' },
);

const DateInput = Type.String({ minLength: 10, maxLength: 35, description: 'YYYY-MM-DD (default today).' });
const Reason = Type.Union(NOTE_REASONS.map((r) => Type.Literal(r)));

const noteFields = {
  date: Type.Optional(DateInput),
  memo: Type.Optional(Text(2000)),
  lines: Type.Array(NoteLineInput, { minItems: 1, maxItems: 10_000 }),
};

const settlementFields = {
  refund_amount: Type.Optional({ ...MinorUnits, description: 'Money paid back, out of the part above the unpaid balance.' }),
  credit_amount: Type.Optional({ ...MinorUnits, description: "Added to the customer's credit balance." }),
  out_of_band_amount: Type.Optional({ ...MinorUnits, description: 'Settled outside Billow.' }),
};

export const CreditNoteInput = Closed({ reason: Reason, ...noteFields, ...settlementFields });
export const DebitNoteInput = Closed({ reason: Type.Optional(Reason), ...noteFields });
export const BulkCreditNoteInput = Closed({ invoice_id: Id, reason: Reason, ...noteFields, ...settlementFields });

const Int = Type.Integer();
const NullableString = Nullable(Type.String());
const taxAmounts = { cgst: Int, sgst: Int, igst: Int, tax: Int, tax_total: Int, total: Int };

export const NoteResponse = Type.Object({
  id: Type.String(),
  object: Type.String({ description: 'credit_note or debit_note' }),
  business_id: Type.String(),
  number: Type.String(),
  invoice_id: Type.String(),
  invoice_number: NullableString,
  invoice_date: Type.String(),
  customer_id: Type.String(),
  currency: Type.String(),
  date: Type.String(),
  status: Type.String({ description: 'issued or void' }),
  reason: NullableString,
  memo: NullableString,
  place_of_supply: NullableString,
  tax_regime: Type.String(),
  lines: Type.Array(
    Type.Object({
      id: Type.String(),
      line_id: NullableString,
      description: Type.String(),
      hsn_code: NullableString,
      quantity: Nullable(Type.Number()),
      tax_rate: Type.Number(),
      taxable_amount: Int,
      ...taxAmounts,
    }),
  ),
  subtotal: Int,
  ...taxAmounts,
  pre_payment_amount: Type.Integer({ description: 'The part that was still unpaid: it lowered balance_due.' }),
  post_payment_amount: Type.Integer({ description: 'The part above the unpaid balance = refund + credit + out of band.' }),
  refund_amount: Int,
  credit_amount: Int,
  out_of_band_amount: Int,
  journal_entries: Type.Array(JournalEntryResponse),
  pdf_url: Type.String(),
  hosted_url: Type.String(),
  created_at: Timestamp,
  voided_at: NullableString,
});
