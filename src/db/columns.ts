import type { ColumnType } from './insert-rows.ts';
import type { InvoiceLineRow, InvoiceRow } from './schema.ts';

/** PostgreSQL types of the document tables' columns, for set-based inserts (insert-rows.ts). */
const money = 'bigint' as const;
const tax = { cgst: money, sgst: money, igst: money, tax: money, tax_total: money, total: money };

export const INVOICE_COLUMNS: Record<keyof InvoiceRow, ColumnType> = {
  ...{ business_id: 'text', id: 'text', kind: 'text', status: 'text', customer_id: 'text', vendor_id: 'text' },
  ...{ party_name: 'text', party_email: 'text', number: 'text', bill_number: 'text', currency: 'text' },
  ...{ date: 'date', due_date: 'date', place_of_supply: 'text', tax_regime: 'text', description: 'text', reference: 'text' },
  ...{ subtotal: money, discount_total: money, ...tax, total_paid: money, hosted_token: 'text' },
  ...{ amount_credited: money, credit_pre_payment: money, amount_debited: money },
  ...{ order_id: 'text', import_id: 'text', entity_id: 'text', stripe_invoice_id: 'text', recurring_template_id: 'text' },
  ...{ delivered: 'boolean', delivered_on: 'timestamptz', paid_on: 'timestamptz', finalized_at: 'timestamptz' },
  ...{ voided_at: 'timestamptz', created_at: 'timestamptz', updated_at: 'timestamptz' },
};

export const LINE_COLUMNS: Record<keyof InvoiceLineRow, ColumnType> = {
  ...{ business_id: 'text', invoice_id: 'text', id: 'text', position: 'int', item_id: 'text', name: 'text' },
  ...{ description: 'text', hsn_code: 'text', quantity: 'numeric', unit_price: money, discount_percent: 'numeric' },
  ...{ discount_amount: money, tax_rate: 'numeric', amount: money, discount: money, taxable: money, ...tax },
};
