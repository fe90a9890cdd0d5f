import { describeMoney } from './money.ts';
import { DomainError, invalid } from './errors.ts';

export const INVOICE_STATUSES = [
  'draft',
  'open',
  'partially_paid',
  'manual_paid',
  'stripe_paid',
  'void',
] as const;

export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export type PaymentSource = 'manual' | 'stripe';

/** Bills reuse the invoice machine; only the words differ ("approve" for "finalize"). */
export type DocumentKind = 'invoice' | 'bill';

const FINALIZE_VERB: Record<DocumentKind, string> = { invoice: 'finalize', bill: 'approve' };

function stateError(verb: string, kind: DocumentKind, status: InvoiceStatus): DomainError {
  return new DomainError('state.invalid', `Cannot ${verb} ${article(kind)} in status '${status}'.`);
}

function article(kind: DocumentKind): string {
  return `${kind === 'invoice' ? 'an' : 'a'} ${kind}`;
}

export function isInvoiceStatus(value: string): value is InvoiceStatus {
  return (INVOICE_STATUSES as readonly string[]).includes(value);
}

export function assertCanFinalize(status: InvoiceStatus, kind: DocumentKind = 'invoice'): void {
  if (status !== 'draft') throw stateError(FINALIZE_VERB[kind], kind, status);
}

/**
 * Status right after finalize/approve: a document with nothing to pay is settled at once
 * (as Stripe does for zero-amount invoices), otherwise it is open.
 */
export function statusAfterApproval(total: bigint): InvoiceStatus {
  return total === 0n ? 'manual_paid' : 'open';
}

export function assertCanVoid(
  status: InvoiceStatus,
  totalPaid: bigint,
  kind: DocumentKind = 'invoice',
): void {
  if (status !== 'draft' && status !== 'open') throw stateError('void', kind, status);
  if (totalPaid !== 0n) {
    throw new DomainError('state.invalid', `Cannot void ${article(kind)} that has payments.`);
  }
}

export function applyPayment(input: {
  status: InvoiceStatus;
  total: bigint;
  totalPaid: bigint;
  amount: bigint;
  currency: string;
  source: PaymentSource;
  kind?: DocumentKind;
}): { status: InvoiceStatus; totalPaid: bigint; fullyPaid: boolean } {
  const kind = input.kind ?? 'invoice';
  if (input.status !== 'open' && input.status !== 'partially_paid') {
    throw stateError('record a payment on', kind, input.status);
  }
  const balance = input.total - input.totalPaid;
  if (input.amount <= 0n) throw invalid('Payment amount must be greater than 0.', 'amount');
  if (input.amount > balance) {
    throw invalid(`Payment amount ${describeMoney(input.amount, input.currency)} exceeds the balance due, ${describeMoney(balance, input.currency)}.`, 'amount');
  }
  const totalPaid = input.totalPaid + input.amount;
  const fullyPaid = totalPaid === input.total;
  // The payment that settles the balance decides how the document counts as paid.
  const paidStatus = input.source === 'stripe' ? 'stripe_paid' : 'manual_paid';
  return { status: fullyPaid ? paidStatus : 'partially_paid', totalPaid, fullyPaid };
}
