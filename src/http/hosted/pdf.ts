import PDFDocument from 'pdfkit';
import type { Business } from '../../db/schema.ts';
import type { DocumentView } from '../../modules/invoicing/view.ts';
import { formatMoney, formatQuantity, STATUS_LABEL } from './format.ts';

type Doc = InstanceType<typeof PDFDocument>;

const COLUMNS = [
  { label: 'Item', x: 50, width: 170, align: 'left' },
  { label: 'HSN/SAC', x: 220, width: 50, align: 'left' },
  { label: 'Qty', x: 270, width: 40, align: 'right' },
  { label: 'Rate', x: 310, width: 75, align: 'right' },
  { label: 'Tax', x: 385, width: 75, align: 'right' },
  { label: 'Amount', x: 460, width: 85, align: 'right' },
] as const;

function header(doc: Doc, view: DocumentView, business: Business): void {
  const title = view.object === 'bill' ? 'BILL' : business.country === 'IN' ? 'TAX INVOICE' : 'INVOICE';
  doc.font('Helvetica-Bold').fontSize(18).text(business.name, 50, 50);
  doc.font('Helvetica').fontSize(9);
  if (business.gstin) doc.text(`GSTIN ${business.gstin}`);
  if (business.state) doc.text(`State ${business.state}`);
  doc.font('Helvetica-Bold').fontSize(14).text(title, 350, 50, { width: 195, align: 'right' });
  doc.font('Helvetica').fontSize(9);
  const facts = [
    `Number: ${view.number ?? (view.object === 'bill' ? String(view.bill_number) : 'Draft')}`,
    `Date: ${view.date}`,
    `Due: ${view.due_date}`,
    `Status: ${STATUS_LABEL[view.status] ?? view.status}`,
  ];
  if (view.place_of_supply) facts.push(`Place of supply: ${view.place_of_supply}`);
  doc.text(facts.join('\n'), 350, 72, { width: 195, align: 'right' });
  const party = view.object === 'bill' ? { label: 'From', name: view.vendor_name, email: view.vendor_email } : { label: 'Bill to', name: view.customer_name, email: view.customer_email };
  doc.font('Helvetica-Bold').text(party.label, 50, 140);
  doc.font('Helvetica').text([party.name, party.email].filter(Boolean).join('\n'));
}

function table(doc: Doc, view: DocumentView): void {
  let y = 200;
  doc.font('Helvetica-Bold').fontSize(9);
  for (const c of COLUMNS) doc.text(c.label, c.x, y, { width: c.width, align: c.align });
  doc.moveTo(50, y + 14).lineTo(545, y + 14).stroke();
  doc.font('Helvetica');
  y += 20;
  for (const line of view.line_items) {
    const cells = [
      line.description ? `${line.name}\n${line.description}` : line.name,
      line.hsn_code ?? '',
      formatQuantity(line.quantity),
      formatMoney(line.unit_price, view.currency),
      `${formatMoney(line.tax_total, view.currency)}\n(${line.tax_rate}%)`,
      formatMoney(line.taxable_amount, view.currency),
    ];
    const height = Math.max(...cells.map((text, i) => doc.heightOfString(text, { width: COLUMNS[i]?.width ?? 50 })));
    if (y + height > 720) {
      doc.addPage();
      y = 50;
    }
    cells.forEach((text, i) => doc.text(text, COLUMNS[i]?.x ?? 50, y, { width: COLUMNS[i]?.width ?? 50, align: COLUMNS[i]?.align ?? 'left' }));
    y += height + 6;
  }
  totals(doc, view, y + 6);
}

function totals(doc: Doc, view: DocumentView, top: number): void {
  const rows: [string, number][] = [['Subtotal', view.subtotal]];
  if (view.cgst) rows.push(['CGST', view.cgst]);
  if (view.sgst) rows.push(['SGST', view.sgst]);
  if (view.igst) rows.push(['IGST', view.igst]);
  if (view.tax) rows.push(['Tax', view.tax]);
  rows.push(['Total', view.total], ['Paid', view.total_paid], ['Balance due', view.balance_due]);
  let y = top;
  if (y > 680) {
    doc.addPage();
    y = 50;
  }
  for (const [label, amount] of rows) {
    const bold = label === 'Total' || label === 'Balance due';
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').text(label, 350, y, { width: 100 }).text(formatMoney(amount, view.currency), 450, y, { width: 95, align: 'right' });
    y += 14;
  }
}

/** A one-document PDF (A4) of an invoice or bill, from the same view the API returns. */
export function renderDocumentPdf(view: DocumentView, business: Business): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `${view.object} ${view.number ?? view.id}`, Author: business.name } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  header(doc, view, business);
  table(doc, view);
  if (view.description) doc.moveDown(2).font('Helvetica').fontSize(9).text(view.description, 50, undefined, { width: 495 });
  doc.end();
  return done;
}
