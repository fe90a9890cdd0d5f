import type { InvoiceTotals } from './pricing.ts';

export const ACCOUNTS = {
  bank: '1000',
  receivable: '1100',
  inputCgst: '1300',
  inputSgst: '1301',
  inputIgst: '1302',
  inputTax: '1310',
  payable: '2000',
  outputCgst: '2200',
  outputSgst: '2201',
  outputIgst: '2202',
  outputTax: '2210',
  customerCredits: '2300',
  revenue: '4000',
  expenses: '5000',
} as const;

export type AccountType = 'asset' | 'liability' | 'revenue' | 'expense';

export interface Account {
  code: string;
  name: string;
  type: AccountType;
}

export const CHART_OF_ACCOUNTS: Account[] = [
  { code: ACCOUNTS.bank, name: 'Cash and Bank', type: 'asset' },
  { code: ACCOUNTS.receivable, name: 'Accounts Receivable', type: 'asset' },
  { code: ACCOUNTS.inputCgst, name: 'Input CGST', type: 'asset' },
  { code: ACCOUNTS.inputSgst, name: 'Input SGST', type: 'asset' },
  { code: ACCOUNTS.inputIgst, name: 'Input IGST', type: 'asset' },
  { code: ACCOUNTS.inputTax, name: 'Input Tax', type: 'asset' },
  { code: ACCOUNTS.payable, name: 'Accounts Payable', type: 'liability' },
  { code: ACCOUNTS.outputCgst, name: 'Output CGST', type: 'liability' },
  { code: ACCOUNTS.outputSgst, name: 'Output SGST', type: 'liability' },
  { code: ACCOUNTS.outputIgst, name: 'Output IGST', type: 'liability' },
  { code: ACCOUNTS.outputTax, name: 'Output Tax', type: 'liability' },
  { code: ACCOUNTS.customerCredits, name: 'Customer credits', type: 'liability' },
  { code: ACCOUNTS.revenue, name: 'Revenue', type: 'revenue' },
  { code: ACCOUNTS.expenses, name: 'Expenses', type: 'expense' },
];

export interface PostingLine {
  account: string;
  debit: bigint;
  credit: bigint;
}

function debit(account: string, amount: bigint): PostingLine {
  return { account, debit: amount, credit: 0n };
}

function credit(account: string, amount: bigint): PostingLine {
  return { account, debit: 0n, credit: amount };
}

function taxLines(
  t: InvoiceTotals,
  accounts: { cgst: string; sgst: string; igst: string; tax: string },
  side: typeof debit,
): PostingLine[] {
  return [
    side(accounts.cgst, t.cgst),
    side(accounts.sgst, t.sgst),
    side(accounts.igst, t.igst),
    side(accounts.tax, t.tax),
  ];
}

// Zero lines carry nothing; a zero-total document yields no lines and callers skip it.
function entry(lines: PostingLine[]): PostingLine[] {
  const posted = lines.filter((line) => line.debit !== 0n || line.credit !== 0n);
  assertBalanced(posted);
  return posted;
}

/** Dr Accounts Receivable = total; Cr Revenue = net; Cr each output tax. */
export function invoiceFinalizedLines(t: InvoiceTotals): PostingLine[] {
  const output = {
    cgst: ACCOUNTS.outputCgst,
    sgst: ACCOUNTS.outputSgst,
    igst: ACCOUNTS.outputIgst,
    tax: ACCOUNTS.outputTax,
  };
  return entry([
    debit(ACCOUNTS.receivable, t.total),
    credit(ACCOUNTS.revenue, t.subtotal),
    ...taxLines(t, output, credit),
  ]);
}

/** Dr the bank (Cash and Bank, or a bank account's own ledger account) / Cr AR. */
export function invoicePaymentLines(amount: bigint, bank: string = ACCOUNTS.bank): PostingLine[] {
  return entry([debit(bank, amount), credit(ACCOUNTS.receivable, amount)]);
}

/** Dr Expenses = net; Dr each input tax; Cr Accounts Payable = total. */
export function billApprovedLines(t: InvoiceTotals): PostingLine[] {
  const input = {
    cgst: ACCOUNTS.inputCgst,
    sgst: ACCOUNTS.inputSgst,
    igst: ACCOUNTS.inputIgst,
    tax: ACCOUNTS.inputTax,
  };
  return entry([
    debit(ACCOUNTS.expenses, t.subtotal),
    ...taxLines(t, input, debit),
    credit(ACCOUNTS.payable, t.total),
  ]);
}

export function billPaymentLines(amount: bigint, bank: string = ACCOUNTS.bank): PostingLine[] {
  return entry([debit(ACCOUNTS.payable, amount), credit(bank, amount)]);
}

const OUTPUT_TAX = {
  cgst: ACCOUNTS.outputCgst,
  sgst: ACCOUNTS.outputSgst,
  igst: ACCOUNTS.outputIgst,
  tax: ACCOUNTS.outputTax,
};

/** How the amount of a credit note is settled; the four parts add up to its total. */
export interface CreditSettlement {
  /** Still unpaid on the invoice: it only lowers what the customer owes. */
  prePayment: bigint;
  refund: bigint;
  credit: bigint;
  outOfBand: bigint;
}

/**
 * Dr Revenue = net, Dr each output tax; Cr AR for the pre-payment part and for the part
 * settled out of band (that one is then cleared by outOfBandSettlementLines), Cr Bank for
 * the refund, Cr Customer credits for the credit balance.
 */
export function creditNoteLines(t: InvoiceTotals, s: CreditSettlement): PostingLine[] {
  return entry([
    debit(ACCOUNTS.revenue, t.subtotal),
    ...taxLines(t, OUTPUT_TAX, debit),
    credit(ACCOUNTS.receivable, s.prePayment + s.outOfBand),
    credit(ACCOUNTS.bank, s.refund),
    credit(ACCOUNTS.customerCredits, s.credit),
  ]);
}

/** The part of a credit note paid back outside Billow: Dr AR / Cr Bank. */
export function outOfBandSettlementLines(amount: bigint): PostingLine[] {
  return entry([debit(ACCOUNTS.receivable, amount), credit(ACCOUNTS.bank, amount)]);
}

/** A debit note (supplementary invoice) posts like an invoice: Dr AR / Cr Revenue / Cr output tax. */
export function debitNoteLines(t: InvoiceTotals): PostingLine[] {
  return invoiceFinalizedLines(t);
}

/** A customer's credit balance settling an invoice: Dr Customer credits / Cr AR. */
export function creditAppliedLines(amount: bigint): PostingLine[] {
  return entry([debit(ACCOUNTS.customerCredits, amount), credit(ACCOUNTS.receivable, amount)]);
}

export function reversalLines(lines: PostingLine[]): PostingLine[] {
  return lines.map((line) => ({ account: line.account, debit: line.credit, credit: line.debit }));
}

/** A failure here is a bug in our code, not bad input, hence a plain Error. */
export function assertBalanced(lines: PostingLine[]): void {
  let debits = 0n;
  let credits = 0n;
  for (const line of lines) {
    if (line.debit < 0n || line.credit < 0n) {
      throw new Error(`Ledger line on ${line.account} has a negative amount.`);
    }
    if ((line.debit === 0n) === (line.credit === 0n)) {
      throw new Error(`Ledger line on ${line.account} must have exactly one of debit or credit.`);
    }
    debits += line.debit;
    credits += line.credit;
  }
  if (debits !== credits) {
    throw new Error(`Unbalanced journal entry: debits ${debits} ≠ credits ${credits}.`);
  }
}
