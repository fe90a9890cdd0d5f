import { Type } from 'typebox';
import { DATE_FORMATS } from '../domain/bank-statement.ts';
import { CSV_FIELDS } from '../modules/banking/parse-csv.ts';
import { Closed, CurrencyCode, DateString, Id, ListQuery, Nullable, Timestamp } from './schemas.ts';

const Int = Type.Integer();
const NullableString = Nullable(Type.String());
const Last4 = Type.String({ pattern: '^[0-9]{4}$', description: 'Last four digits of the account number.' });

export const BankAccountCreate = Closed({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  currency: CurrencyCode,
  last4: Type.Optional(Last4),
});

export const BankAccountUpdate = Closed({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  last4: Type.Optional(Nullable(Last4)),
});

export const BankAccount = Type.Object({
  id: Type.String(),
  object: Type.Literal('bank_account'),
  name: Type.String(),
  currency: Type.String(),
  last4: NullableString,
  account_code: Type.String({ description: "Its own ledger account under Cash and Bank (1000), e.g. '1000-01'." }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const Format = Type.Union([Type.Literal('csv'), Type.Literal('ofx'), Type.Literal('camt053')]);

export const StatementBody = Closed({
  s3_key: Type.String({ minLength: 1, maxLength: 1024, description: 'Key of the uploaded statement (POST /api/v1/files).' }),
  format: Type.Optional({ ...Format, description: 'csv, ofx (1.x SGML or 2.x XML) or camt053; guessed from the file when omitted.' }),
  columns: Type.Optional(
    Closed(Object.fromEntries(CSV_FIELDS.map((f) => [f, Type.Optional(Type.String({ minLength: 1, maxLength: 200 }))])), {
      description: "CSV only: the file's own header for each field, e.g. {date: 'Txn Date', description: 'Narration', debit: 'Withdrawal', credit: 'Deposit'}.",
    }),
  ),
  date_format: Type.Optional(Type.Union(DATE_FORMATS.map((f) => Type.Literal(f)), { description: 'CSV only: how dates are written; default YYYY-MM-DD.' })),
});

const Mismatch = Type.Object({ line: Int, expected: Int, actual: Int });

export const StatementImported = Type.Object({
  statement_id: Type.String(),
  imported: Type.Integer({ description: 'New transactions.' }),
  duplicates: Type.Integer({ description: 'Lines already imported (same bank id or fingerprint): skipped.' }),
  matched: Type.Integer({ description: 'New transactions auto-matched to invoices or bills.' }),
  unmatched: Int,
  balance_mismatches: Type.Array(Mismatch, { description: 'Lines whose running balance disagrees with the previous balance plus the amount (first 100).' }),
});

export const StatementAccepted = Type.Object({
  import_id: Type.String(),
  statement_id: Type.String(),
  status_url: Type.String({ description: 'GET it for status and progress.' }),
});

export const Statement = Type.Object({
  id: Type.String(),
  object: Type.Literal('bank_statement'),
  bank_account_id: Type.String(),
  s3_key: Type.String(),
  format: Format,
  import_id: NullableString,
  imported: Int,
  duplicates: Int,
  matched: Int,
  unmatched: Int,
  balance_mismatches: Int,
  created_at: Timestamp,
  updated_at: Timestamp,
});

const TransactionStatus = Type.Union([Type.Literal('unmatched'), Type.Literal('matched'), Type.Literal('ignored')]);

export const BankTransaction = Type.Object({
  id: Type.String(),
  object: Type.Literal('bank_transaction'),
  bank_account_id: Type.String(),
  statement_id: Type.String(),
  line_number: Type.Integer({ description: 'CSV data row, OFX STMTTRN or camt.053 Ntry of its statement.' }),
  date: Type.String(),
  amount: Type.Integer({ description: 'Minor units; negative = money out.' }),
  currency: Type.String(),
  description: Type.String(),
  reference: NullableString,
  transaction_id: Type.Union([Type.String(), Type.Null()], { description: "The bank's own id (FITID, AcctSvcrRef)." }),
  balance: Type.Union([Type.Integer(), Type.Null()], { description: 'The running balance the bank reported.' }),
  status: TransactionStatus,
  allocations: Type.Array(Type.Object({ payment_id: Type.String(), invoice_id: NullableString, bill_id: NullableString, amount: Int })),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const TransactionListQuery = Closed({
  ...ListQuery.properties,
  bank_account_id: Type.Optional(Id),
  status: Type.Optional(TransactionStatus),
  date_from: Type.Optional({ ...DateString, description: 'On or after (inclusive).' }),
  date_to: Type.Optional({ ...DateString, description: 'On or before (inclusive).' }),
});

export const MatchBody = Closed({
  allocations: Type.Array(
    Closed({
      invoice_id: Type.Optional(Id),
      bill_id: Type.Optional(Id),
      amount: Type.Integer({ minimum: 1, maximum: 1e15, description: 'Minor units paid to this document.' }),
    }),
    { minItems: 1, maxItems: 100 },
  ),
});

export const Suggestion = Type.Object({
  invoice_id: NullableString,
  bill_id: NullableString,
  number: NullableString,
  party_name: Type.String(),
  date: Type.String(),
  due_date: Type.String(),
  balance_due: Int,
  score: Type.Integer({ description: 'amount 4 + number 2 + name 1.' }),
  reasons: Type.Array(Type.Union([Type.Literal('amount'), Type.Literal('number'), Type.Literal('name')])),
});

export const ReconciliationQuery = Closed({ as_of: Type.Optional({ ...DateString, description: 'Default: today.' }) });

export const ReconciliationResponse = Type.Object({
  bank_account_id: Type.String(),
  account_code: Type.String(),
  currency: Type.String(),
  as_of: Type.String(),
  statement_balance: Type.Integer({ description: 'Σ amounts of the imported transactions dated on or before as_of.' }),
  ledger_balance: Type.Integer({ description: "The bank's ledger account: Σ debits − credits of entries dated on or before as_of." }),
  difference: Type.Integer({ description: 'statement_balance − ledger_balance.' }),
  unmatched_count: Int,
  unmatched_total: Int,
  ignored_total: Int,
  reported_balance: Type.Union([Type.Integer(), Type.Null()], { description: 'The latest running balance the bank reported on or before as_of.' }),
  reported_balance_date: NullableString,
  unmatched: Type.Array(BankTransaction, { description: 'The unmatched transactions behind the difference, oldest first (first 100).' }),
});
