/** Real-looking statement files: an Indian bank's CSV export, OFX 1.x SGML and 2.x XML, camt.053. */

/** HDFC-style export: Withdrawal/Deposit columns, DD/MM/YYYY, Indian digit grouping, a running balance. */
export const indianCsv = (invoiceNumber: string) =>
  [
    'Txn Date,Narration,Chq./Ref.No.,Withdrawal Amt.,Deposit Amt.,Closing Balance',
    `01/11/2026,NEFT CR-HDFC0000123-ACME TRADERS-${invoiceNumber},N305263718,,"1,00,000.00","1,00,000.00"`,
    '03/11/2026,POS 4321 AMAZON PAY,POS88,"2,360.00",,"97,640.00"',
    '15/11/2026,"IMPS/P2A/BETA STORES, PUNE",IMPS771,,"12,500.50","1,10,140.50"',
  ].join('\r\n');

export const INDIAN_COLUMNS = { date: 'Txn Date', description: 'Narration', reference: 'Chq./Ref.No.', debit: 'Withdrawal Amt.', credit: 'Deposit Amt.', balance: 'Closing Balance' };

export const ofxSgml = (invoiceNumber: string) => `OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261201<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1>
<STMTTRNRS>
<TRNUID>1
<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS>
<CURDEF>INR
<BANKACCTFROM><BANKID>HDFC0000123<ACCTID>50100004321<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST>
<DTSTART>20261101<DTEND>20261130
<STMTTRN>
<TRNTYPE>CREDIT
<DTPOSTED>20261105120000[+5:30:IST]
<TRNAMT>1180.00
<FITID>OFX-0001
<NAME>ACME TRADERS
<MEMO>Payment ${invoiceNumber} &amp; thanks
</STMTTRN>
<STMTTRN>
<TRNTYPE>DEBIT
<DTPOSTED>20261106
<TRNAMT>-250.00
<FITID>OFX-0002
<NAME>BANK CHARGES
</STMTTRN>
</BANKTRANLIST>
<LEDGERBAL><BALAMT>930.00<DTASOF>20261130</LEDGERBAL>
</STMTRS>
</STMTTRNRS>
</BANKMSGSRSV1>
</OFX>
`;

export const ofxXml = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STMTRS><CURDEF>INR</CURDEF>
<BANKTRANLIST>
<STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20261107</DTPOSTED><TRNAMT>99.99</TRNAMT><FITID>X-1</FITID><NAME>Refund &amp; more</NAME></STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
`;

const ntry = (ref: string, amount: string, indicator: 'CRDT' | 'DBIT', date: string, remittance: string, status = 'BOOK') => `
      <Ntry>
        <Amt Ccy="INR">${amount}</Amt>
        <CdtDbtInd>${indicator}</CdtDbtInd>
        <Sts><Cd>${status}</Cd></Sts>
        <BookgDt><Dt>${date}</Dt></BookgDt>
        <ValDt><Dt>${date}</Dt></ValDt>
        <AcctSvcrRef>${ref}</AcctSvcrRef>
        <BkTxCd><Prtry><Cd>NTRF</Cd></Prtry></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <RltdPties><Dbtr><Nm>Acme Traders</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>${remittance}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>`;

export const camt053 = (entries: string[]) => `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-2026-11</MsgId><CreDtTm>2026-12-01T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-2026-11-001</Id>
      <Acct><Id><Othr><Id>50100004321</Id></Othr></Id><Ccy>INR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="INR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>${entries.join('')}
    </Stmt>
  </BkToCstmrStmt>
</Document>
`;

export const camtEntry = ntry;
