import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/app.ts';
import { expect422 } from '../helpers/assertions.ts';
import { camt053, camtEntry, INDIAN_COLUMNS, indianCsv, ofxSgml, ofxXml } from './fixtures.ts';
import { type Bank, bankTenant, csvStatement, importApp, importStatement, ok, openInvoice, transactions } from './support.ts';

let env: Awaited<ReturnType<typeof importApp>>;
let bank: Bank;
beforeAll(async () => {
  env = await importApp();
});
afterAll(() => env.app.close());

const shape = (t: { date: string; amount: number; description: string; reference: string | null; transaction_id: string | null; balance: number | null }) => [t.date, t.amount, t.description, t.reference, t.transaction_id, t.balance];
const byLine = (items: Json[]) => [...items].sort((a, b) => a.line_number - b.line_number);

describe('statement formats', () => {
  it('an Indian bank CSV: mapped Withdrawal/Deposit columns, DD/MM/YYYY, 1,00,000.00, auto-match by the invoice number in the narration', async () => {
    bank = await bankTenant(env);
    const invoice = await openInvoice(bank.tenant, 10_000_000);
    const body = ok(await importStatement(bank, indianCsv(invoice.number), { columns: INDIAN_COLUMNS, date_format: 'DD/MM/YYYY' }), 201);
    expect(body).toMatchObject({ imported: 3, duplicates: 0, matched: 1, unmatched: 2, balance_mismatches: [] });
    const lines = byLine(await transactions(bank));
    expect(lines.map(shape)).toEqual([
      ['2026-11-01', 10_000_000, `NEFT CR-HDFC0000123-ACME TRADERS-${invoice.number}`, 'N305263718', null, 10_000_000],
      ['2026-11-03', -236_000, 'POS 4321 AMAZON PAY', 'POS88', null, 9_764_000],
      ['2026-11-15', 1_250_050, 'IMPS/P2A/BETA STORES, PUNE', 'IMPS771', null, 11_014_050],
    ]);
    expect(lines.map((l) => l.status)).toEqual(['matched', 'unmatched', 'unmatched']);
  });

  it('an OFX 1.x SGML file: leaf elements without end tags, FITID as the bank id, entities decoded', async () => {
    const b = await bankTenant(env);
    const invoice = await openInvoice(b.tenant, 118_000);
    const body = ok(await importStatement(b, ofxSgml(invoice.number)), 201);
    expect(body).toMatchObject({ imported: 2, matched: 1, unmatched: 1 });
    const lines = byLine(await transactions(b));
    expect(lines.map(shape)).toEqual([
      ['2026-11-05', 118_000, `ACME TRADERS Payment ${invoice.number} & thanks`, null, 'OFX-0001', null],
      ['2026-11-06', -25_000, 'BANK CHARGES', null, 'OFX-0002', null],
    ]);
    // Format given explicitly gives the same; and the same FITIDs are duplicates.
    expect(ok(await importStatement(b, ofxSgml(invoice.number), { format: 'ofx' }), 201)).toMatchObject({ imported: 0, duplicates: 2 });
  });

  it('an OFX 2.x XML file', async () => {
    const b = await bankTenant(env);
    expect(ok(await importStatement(b, ofxXml), 201)).toMatchObject({ imported: 1 });
    expect((await transactions(b)).map(shape)).toEqual([['2026-11-07', 9_999, 'Refund & more', null, 'X-1', null]]);
  });

  it('a camt.053 statement with several entries: CRDT/DBIT, AcctSvcrRef as the bank id, pending entries left out', async () => {
    const b = await bankTenant(env);
    const invoice = await openInvoice(b.tenant, 50_000);
    const xml = camt053([
      camtEntry('ACSV-1', '500.00', 'CRDT', '2026-11-10', `Invoice ${invoice.number}`),
      camtEntry('ACSV-2', '75.25', 'DBIT', '2026-11-11', 'Card fee'),
      camtEntry('ACSV-3', '10.00', 'CRDT', '2026-11-12', 'Not yet booked', 'PDNG'),
      camtEntry('ACSV-4', '1200.00', 'CRDT', '2026-11-13', 'Unknown payer'),
    ]);
    expect(ok(await importStatement(b, xml), 201)).toMatchObject({ imported: 3, matched: 1, unmatched: 2 });
    const lines = byLine(await transactions(b));
    expect(lines.map((l) => [l.line_number, l.date, l.amount, l.transaction_id, l.status])).toEqual([
      [1, '2026-11-10', 50_000, 'ACSV-1', 'matched'],
      [2, '2026-11-11', -7_525, 'ACSV-2', 'unmatched'],
      [4, '2026-11-13', 120_000, 'ACSV-4', 'unmatched'],
    ]);
    expect(lines[0]?.description).toBe(`Invoice ${invoice.number} Acme Traders`);
  });

  it('default CSV columns: (500.00) is money out, a running balance that disagrees is reported with its line', async () => {
    const b = await bankTenant(env);
    const csv = csvStatement([
      ['2026-11-01', '1000.00', 'Opening deposit', '', '', '1000.00'],
      ['2026-11-02', '(500.00)', 'Rent', '', '', '500.00'],
      ['2026-11-03', '+20.00', 'Interest', '', '', '530.00'],
    ]);
    const body = ok(await importStatement(b, csv), 201);
    expect(body.balance_mismatches).toEqual([{ line: 3, expected: 52_000, actual: 53_000 }]);
    expect(byLine(await transactions(b)).map((t) => t.amount)).toEqual([100_000, -50_000, 2_000]);
    const statements = ok(await b.tenant.get(`/api/v1/bank-accounts/${b.account.id}/statements`));
    expect(statements.items[0]).toMatchObject({ format: 'csv', imported: 3, balance_mismatches: 1, import_id: null });
  });
});

describe('hostile and broken files: 4xx naming the problem, nothing imported', () => {
  const refused = async (content: string | Buffer, loc: (string | number)[], type: string, body = {}) => {
    const b = await bankTenant(env);
    const response = await importStatement(b, content, body);
    expect422(response, loc, type);
    expect(await transactions(b)).toEqual([]);
    return response.json().detail[0].msg as string;
  };

  it('XML with an external entity', async () => {
    const xxe = `<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy="INR">1.00</Amt><AddtlNtryInf>&xxe;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>`;
    expect(await refused(xxe, ['camt053', 2], 'file.dtd', { format: 'camt053' })).toContain('Line 2');
  });

  it('XML with a billion-laughs DTD', async () => {
    const lol = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n<Document><BkToCstmrStmt>&lol3;</BkToCstmrStmt></Document>`;
    await refused(lol, ['camt053', 2], 'file.dtd');
  });

  it('XML that is not well-formed', async () => {
    const broken = camt053([camtEntry('A', '1.00', 'CRDT', '2026-11-01', 'x')]).replace('</Amt>', '</Amount>');
    expect(await refused(broken, ['camt053', 8], 'file.malformed', { format: 'camt053' })).toMatch(/Line 8: Not well-formed XML/);
  });

  it('OFX with broken SGML: an aggregate never closed, an end tag for nothing open, a stray <', async () => {
    const unclosed = ofxSgml('INV-1').replace('</STMTTRN>\n<STMTTRN>', '\n<STMTTRN>').replace(/<\/BANKTRANLIST>[\s\S]*$/, '');
    expect(await refused(unclosed, ['ofx', 22], 'file.malformed', { format: 'ofx' })).toBe('Line 22: <STMTTRN> is never closed.');
    await refused(ofxSgml('INV-1').replace('<TRNUID>1', '<TRNUID>1\n</BOGUS>'), ['ofx', 16], 'file.malformed');
    await refused(ofxSgml('INV-1').replace('<NAME>BANK CHARGES', '<NAME>BANK < CHARGES'), ['ofx', 35], 'file.malformed');
  });

  it('OFX in another currency than the account', async () => {
    await refused(ofxSgml('INV-1').replace('<CURDEF>INR', '<CURDEF>USD'), ['ofx'], 'validation.invalid');
  });

  it('CSV with broken quoting, naming the row', async () => {
    const csv = 'date,amount,description\n2026-11-01,1.00,ok\n2026-11-02,2.00,"never closed\n';
    await refused(csv, ['csv', 2], 'csv.quoting');
  });

  it('non-UTF-8 text and binary content', async () => {
    await refused(Buffer.concat([Buffer.from('date,amount,description\n2026-11-01,1.00,Caf'), Buffer.from([0xe9]), Buffer.from('\n')]), ['csv'], 'csv.encoding');
    await refused(Buffer.concat([Buffer.from('<?xml version="1.0"?>\n<Document><BkToCstmrStmt>'), Buffer.from([0xff, 0xfe]), Buffer.from('</BkToCstmrStmt></Document>')]), ['camt053', 2], 'file.encoding', { format: 'camt053' });
    await refused(Buffer.from([0x4f, 0x46, 0x58, 0, 1, 2]), ['ofx', 1], 'file.binary', { format: 'ofx' });
  });

  it('amounts: decimal commas, currency symbols and Dr/Cr suffixes are refused with row and column', async () => {
    for (const amount of ['"1.234,56"', '₹100', '100 Dr', '(-5.00)', '"1,0,0.00"', '12.345']) {
      await refused(csvStatement([['2026-11-01', amount, 'x', '', '', '']]), ['csv', 1, 'amount'], 'validation.invalid');
    }
  });

  it('bad dates for the declared format, an unmapped header, a line that moves no money', async () => {
    await refused(csvStatement([['31/02/2026', '1.00', 'x', '', '', '']]), ['csv', 1, 'date'], 'validation.invalid', { date_format: 'DD/MM/YYYY' });
    await refused(csvStatement([['2026-11-01', '1.00', 'x', '', '', '']]), ['csv', 1, 'date'], 'validation.invalid', { date_format: 'MM/DD/YYYY' });
    await refused(csvStatement([['2026-11-01', '1.00', 'x', '', '', '']]), ['csv', 0, 'Txn Date'], 'csv.unknown_column', { columns: { date: 'Txn Date' } });
    await refused(csvStatement([['2026-11-01', '0.00', 'x', '', '', '']]), ['csv', 1, 'amount'], 'validation.required');
  });

  it('a line larger than 1 MB', async () => {
    const huge = `date,amount,description\n2026-11-01,1.00,${'x'.repeat(1_200_000)}\n`;
    await refused(huge, ['csv', 1], 'csv.too_large');
  });

  it('unknown request fields and formats are 422 at the field', async () => {
    const b = await bankTenant(env);
    expect422(await b.tenant.post(`/api/v1/bank-accounts/${b.account.id}/statements`, { s3_key: 'x', format: 'qif' }), ['body', 'format']);
    expect422(await b.tenant.post(`/api/v1/bank-accounts/${b.account.id}/statements`, { s3_key: 'x', columns: { amount: 'A', colour: 'B' } }), ['body', 'columns', 'colour']);
  });
});
