import { parseBankAmount, type StatementLine } from '../../domain/bank-statement.ts';
import { parseDate } from '../../domain/dates.ts';
import { DomainError } from '../../domain/errors.ts';
import { type Element, fileError, findAll, lineOf, parseSgml, parseXml, textOf } from './markup.ts';

const FORMAT = 'ofx';

/** Splits an OFX 1.x file into its `KEY:VALUE` header and the SGML body after it. */
function sgmlBody(text: string): { body: string; firstLine: number } {
  const start = text.indexOf('<');
  if (start < 0) throw fileError(FORMAT, undefined, 'No OFX element found: this is not an OFX file.', 'file.malformed');
  const header = text.slice(0, start);
  if (!/OFXHEADER\s*:/i.test(header) && header.trim() !== '') throw fileError(FORMAT, 1, 'An OFX 1.x file starts with its OFXHEADER lines.', 'file.malformed');
  return { body: text.slice(start), firstLine: (header.match(/\n/g) ?? []).length + 1 };
}

/** OFX 1.x (SGML) or 2.x (XML, recognized by its `<?xml` declaration) → the document tree. */
function ofxTree(text: string): Element {
  if (/^\s*<\?xml/.test(text)) return parseXml(FORMAT, text);
  const { body, firstLine } = sgmlBody(text);
  return parseSgml(FORMAT, body, firstLine);
}

/** DTPOSTED is YYYYMMDD[HHMMSS[.mmm]][[gmt offset:tz]] (milliseconds optional); the date is the bank's booking day. */
function ofxDate(value: string | undefined, line: number | undefined): string {
  const match = value === undefined ? null : /^(\d{4})(\d{2})(\d{2})/.exec(value);
  if (!match) throw fileError(FORMAT, line, `DTPOSTED must be an OFX date (YYYYMMDD…), not '${(value ?? '').slice(0, 40)}'.`, 'validation.invalid');
  try {
    return parseDate(`${match[1]}-${match[2]}-${match[3]}`, 'DTPOSTED');
  } catch (error) {
    if (error instanceof DomainError) throw fileError(FORMAT, line, error.message, error.code);
    throw error;
  }
}

function transaction(element: Element, position: number, currency: string): StatementLine {
  const line = lineOf(element);
  const amountText = textOf(element, 'TRNAMT');
  if (amountText === undefined) throw fileError(FORMAT, line, `STMTTRN ${position} has no TRNAMT.`, 'validation.required');
  let amount: bigint;
  try {
    amount = parseBankAmount(amountText, currency, 'TRNAMT');
  } catch (error) {
    if (error instanceof DomainError) throw fileError(FORMAT, line, `STMTTRN ${position}: ${error.message}`, error.code);
    throw error;
  }
  if (amount === 0n) throw fileError(FORMAT, line, `STMTTRN ${position} moves no money (TRNAMT 0).`, 'validation.invalid');
  const description = [textOf(element, 'NAME'), textOf(element, 'MEMO')].filter((t) => t !== undefined).join(' ');
  return {
    line: position,
    date: ofxDate(textOf(element, 'DTPOSTED'), line),
    amount,
    description: description.slice(0, 1000),
    reference: (textOf(element, 'REFNUM') ?? textOf(element, 'CHECKNUM') ?? null)?.slice(0, 1000) ?? null,
    transactionId: textOf(element, 'FITID')?.slice(0, 200) ?? null,
    balance: null,
  };
}

/** The STMTTRN entries of an OFX statement, in file order, in the bank account's currency. */
export function ofxStatementLines(text: string, currency: string): StatementLine[] {
  const tree = ofxTree(text);
  const declared = findAll(tree, 'STMTRS').map((rs) => textOf(rs, 'CURDEF')).find((c) => c !== undefined);
  if (declared !== undefined && declared.toUpperCase() !== currency) {
    throw fileError(FORMAT, undefined, `The statement is in ${declared}, the bank account in ${currency}.`, 'validation.invalid');
  }
  return findAll(tree, 'STMTTRN').map((element, i) => transaction(element, i + 1, currency));
}
