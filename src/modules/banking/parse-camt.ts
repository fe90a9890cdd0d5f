import { parseBankAmount, type StatementLine } from '../../domain/bank-statement.ts';
import { parseDate } from '../../domain/dates.ts';
import { DomainError } from '../../domain/errors.ts';
import { type Element, fileError, findAll, parseXml, textOf } from './markup.ts';

const FORMAT = 'camt053';

const fail = (entry: number, msg: string, type: string) => fileError(FORMAT, undefined, `Ntry ${entry}: ${msg}`, type);

function child(element: Element | undefined, ...path: string[]): Element | undefined {
  let current: Element | undefined = element;
  for (const name of path) {
    const next: unknown = current?.[name];
    const first = Array.isArray(next) ? next[0] : next;
    current = first !== null && typeof first === 'object' ? (first as Element) : undefined;
  }
  return current;
}

/** BookgDt (or ValDt) as Dt or DtTm: the date part. */
function bookingDate(entry: Element, position: number): string {
  const holder = child(entry, 'BookgDt') ?? child(entry, 'ValDt');
  const value = textOf(holder, 'Dt') ?? textOf(holder, 'DtTm')?.slice(0, 10);
  if (value === undefined) throw fail(position, 'has no BookgDt or ValDt.', 'validation.required');
  try {
    return parseDate(value, 'BookgDt');
  } catch (error) {
    if (error instanceof DomainError) throw fail(position, error.message, error.code);
    throw error;
  }
}

function signedAmount(entry: Element, position: number, currency: string): bigint {
  const amount = entry.Amt;
  const node = (Array.isArray(amount) ? amount[0] : amount) as Element | string | undefined;
  const text = typeof node === 'string' ? node : node?.['#text'];
  const ccy = typeof node === 'object' ? node['@Ccy'] : undefined;
  if (typeof text !== 'string') throw fail(position, 'has no Amt.', 'validation.required');
  if (typeof ccy === 'string' && ccy !== currency) throw fail(position, `is in ${ccy}, the bank account in ${currency}.`, 'validation.invalid');
  const indicator = textOf(entry, 'CdtDbtInd');
  if (indicator !== 'CRDT' && indicator !== 'DBIT') throw fail(position, 'CdtDbtInd must be CRDT or DBIT.', 'validation.invalid');
  let value: bigint;
  try {
    value = parseBankAmount(text, currency, 'Amt');
  } catch (error) {
    if (error instanceof DomainError) throw fail(position, error.message, error.code);
    throw error;
  }
  if (value <= 0n) throw fail(position, 'Amt must be greater than 0 (the sign is CdtDbtInd).', 'validation.invalid');
  return indicator === 'DBIT' ? -value : value;
}

/** What the bank and the payer wrote: unstructured remittance, structured creditor reference, entry info, the other party. */
function narration(entry: Element): { description: string; reference: string | null } {
  const details = findAll(entry, 'TxDtls');
  const texts: string[] = [];
  const references: string[] = [];
  for (const tx of details) {
    const remittance = child(tx, 'RmtInf');
    const unstructured = remittance?.Ustrd;
    for (const u of Array.isArray(unstructured) ? unstructured : unstructured === undefined ? [] : [unstructured]) if (typeof u === 'string') texts.push(u);
    for (const ref of findAll(remittance, 'CdtrRefInf')) {
      const value = textOf(ref, 'Ref');
      if (value) references.push(value);
    }
    const endToEnd = textOf(child(tx, 'Refs'), 'EndToEndId');
    if (endToEnd && endToEnd !== 'NOTPROVIDED') references.push(endToEnd);
    const party = textOf(child(tx, 'RltdPties', 'Dbtr'), 'Nm') ?? textOf(child(tx, 'RltdPties', 'Cdtr'), 'Nm');
    if (party) texts.push(party);
  }
  const info = textOf(entry, 'AddtlNtryInf');
  if (info) texts.push(info);
  return { description: texts.join(' ').slice(0, 1000), reference: references.length > 0 ? references.join(' ').slice(0, 1000) : null };
}

/** The booked Ntry entries of an ISO 20022 camt.053 statement, in file order. */
export function camtStatementLines(text: string, currency: string): StatementLine[] {
  const tree = parseXml(FORMAT, text);
  if (findAll(tree, 'BkToCstmrStmt').length === 0) throw fileError(FORMAT, undefined, 'No BkToCstmrStmt element: this is not a camt.053 statement.', 'file.malformed');
  return findAll(tree, 'Ntry').flatMap((entry, i) => {
    const position = i + 1;
    // Pending entries are not booked yet; the next statement books them with their own reference.
    const status = textOf(entry, 'Sts') ?? textOf(child(entry, 'Sts'), 'Cd');
    if (status === 'PDNG') return [];
    const { description, reference } = narration(entry);
    const line: StatementLine = {
      line: position,
      date: bookingDate(entry, position),
      amount: signedAmount(entry, position, currency),
      description,
      reference,
      transactionId: textOf(entry, 'AcctSvcrRef')?.slice(0, 200) ?? null,
      balance: null,
    };
    return [line];
  });
}
