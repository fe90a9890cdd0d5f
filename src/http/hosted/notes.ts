import type { FastifyInstance, FastifyReply } from 'fastify';
import PDFDocument from 'pdfkit';
import { Type } from 'typebox';
import type { Business } from '../../db/schema.ts';
import { getBusiness } from '../../modules/businesses/create-business.ts';
import { type AnyRow, getRecord } from '../../modules/catalog/records.ts';
import { findNoteByHostedToken } from '../../modules/notes/repository.ts';
import type { NoteView } from '../../modules/notes/view.ts';
import { Closed, errorResponses } from '../schemas.ts';
import { currencyExponent } from '../../domain/currency.ts';
import { minorToMajor } from '../../domain/money.ts';
import { escapeHtml } from '../../modules/documents/escape.ts';

/**
 * Credit and debit notes as a PDF and a hosted page with what CGST rule 53 asks: the title,
 * number and date, the original invoice's number and date, both parties with GSTINs and
 * addresses, taxable value, rate and amount of each tax, and the reason. A small file of its
 * own until notes move onto the shared document template.
 */
interface NoteDocument {
  title: string;
  facts: [string, string][];
  supplier: string[];
  recipient: string[];
  lines: { description: string; rate: string; taxable: string; taxes: string }[];
  totals: [string, string][];
}

/**
 * "INR 1,17,999.00": notes still print with pdfkit's built-in font, which has no ₹, until they
 * move onto the shared document model (src/modules/documents).
 */
function formatMoney(amount: number, currency: string): string {
  const digits = currencyExponent(currency);
  const format = new Intl.NumberFormat(currency === 'INR' ? 'en-IN' : 'en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${currency} ${format.format(minorToMajor(amount, currency) as unknown as number)}`;
}

const REASONS: Record<string, string> = {
  sales_return: 'Sales return',
  post_sale_discount: 'Post-sale discount',
  deficiency: 'Deficiency in supply',
  correction: 'Correction of invoice',
  change_in_pos: 'Change in place of supply',
  other: 'Other',
};

function address(value: unknown): string[] {
  if (!value || typeof value !== 'object') return [];
  const a = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, string | undefined>;
  return [a.line1, a.line2, [a.city, a.state, a.postal_code].filter(Boolean).join(', '), a.country].filter((x): x is string => !!x);
}

function taxParts(l: { cgst: number; sgst: number; igst: number; tax: number }, currency: string): string {
  const parts: [string, number][] = [['CGST', l.cgst], ['SGST', l.sgst], ['IGST', l.igst], ['Tax', l.tax]];
  return parts.filter(([, v]) => v > 0).map(([k, v]) => `${k} ${formatMoney(v, currency)}`).join(', ') || formatMoney(0, currency);
}

function noteDocument(view: NoteView, business: Business, customer: AnyRow): NoteDocument {
  const money = (v: number) => formatMoney(v, view.currency);
  const facts: [string, string][] = [
    ['Number', view.number],
    ['Date', view.date],
    ['Original invoice', `${view.invoice_number ?? view.invoice_id} of ${view.invoice_date}`],
  ];
  if (view.place_of_supply) facts.push(['Place of supply', view.place_of_supply]);
  if (view.reason) facts.push(['Reason', REASONS[view.reason] ?? view.reason]);
  if (view.status === 'void') facts.push(['Status', 'Void']);
  const totals: [string, string][] = [['Taxable value', money(view.subtotal)]];
  for (const [label, value] of [['CGST', view.cgst], ['SGST', view.sgst], ['IGST', view.igst], ['Tax', view.tax]] as const) {
    if (value > 0) totals.push([label, money(value)]);
  }
  totals.push(['Total', money(view.total)]);
  return {
    title: view.object === 'credit_note' ? 'Credit Note' : 'Debit Note',
    facts,
    supplier: [business.name, ...(business.gstin ? [`GSTIN ${business.gstin}`] : []), ...(business.state ? [`State ${business.state}`] : [])],
    recipient: [String(customer.name), ...(customer.gstin ? [`GSTIN ${String(customer.gstin)}`] : []), ...address(customer.billing_address), ...(customer.state ? [`State ${String(customer.state)}`] : [])],
    lines: view.lines.map((l) => ({ description: l.hsn_code ? `${l.description} (HSN/SAC ${l.hsn_code})` : l.description, rate: `${l.tax_rate}%`, taxable: money(l.taxable_amount), taxes: taxParts(l, view.currency) })),
    totals,
  };
}

function renderPdf(d: NoteDocument, view: NoteView): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `${d.title} ${view.number}` } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font('Helvetica-Bold').fontSize(16).text(d.title.toUpperCase(), 50, 50);
  doc.font('Helvetica').fontSize(9).text(d.facts.map(([k, v]) => `${k}: ${v}`).join('\n'), 50, 75);
  doc.font('Helvetica-Bold').text('Supplier', 50, 150).font('Helvetica').text(d.supplier.join('\n'), 50, 162, { width: 230 });
  doc.font('Helvetica-Bold').text('Recipient', 310, 150).font('Helvetica').text(d.recipient.join('\n'), 310, 162, { width: 235 });
  let y = 240;
  doc.font('Helvetica-Bold').text('Description', 50, y).text('Rate', 250, y).text('Taxable value', 300, y, { width: 90, align: 'right' }).text('Tax', 400, y, { width: 145, align: 'right' });
  doc.font('Helvetica');
  for (const line of d.lines) {
    y += 18;
    if (y > 740) {
      doc.addPage();
      y = 50;
    }
    doc.text(line.description, 50, y, { width: 195 }).text(line.rate, 250, y).text(line.taxable, 300, y, { width: 90, align: 'right' }).text(line.taxes, 400, y, { width: 145, align: 'right' });
  }
  y += 30;
  for (const [label, value] of d.totals) {
    doc.font(label === 'Total' ? 'Helvetica-Bold' : 'Helvetica').text(label, 350, y, { width: 100 }).text(value, 450, y, { width: 95, align: 'right' });
    y += 14;
  }
  doc.end();
  return done;
}

function renderPage(d: NoteDocument, pdfHref: string): string {
  const rows = (pairs: [string, string][]) => pairs.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('');
  const lines = d.lines
    .map((l) => `<tr><td>${escapeHtml(l.description)}</td><td>${escapeHtml(l.rate)}</td><td>${escapeHtml(l.taxable)}</td><td>${escapeHtml(l.taxes)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${escapeHtml(d.title)}</title>
<style>body{font-family:sans-serif;max-width:820px;margin:32px auto}td,th{padding:4px 8px;text-align:left}</style></head>
<body><h1>${escapeHtml(d.title)}</h1><table data-testid="facts">${rows(d.facts)}</table>
<h2>Supplier</h2><p>${d.supplier.map(escapeHtml).join('<br>')}</p><h2>Recipient</h2><p>${d.recipient.map(escapeHtml).join('<br>')}</p>
<table><thead><tr><th>Description</th><th>Rate</th><th>Taxable value</th><th>Tax</th></tr></thead><tbody>${lines}</tbody></table>
<table data-testid="totals">${rows(d.totals)}</table><p><a href="${escapeHtml(pdfHref)}">Download PDF</a></p></body></html>`;
}

async function documentOf(app: FastifyInstance, view: NoteView, businessId: string): Promise<NoteDocument> {
  const [business, customer] = await Promise.all([getBusiness(app.deps.db, businessId), getRecord(app.deps.db, businessId, 'customers', view.customer_id)]);
  return noteDocument(view, business, customer);
}

export async function sendNotePdf(reply: FastifyReply, view: NoteView, businessId: string): Promise<FastifyReply> {
  const pdf = await renderPdf(await documentOf(reply.server, view, businessId), view);
  const name = `${view.number}.pdf`.replace(/[^A-Za-z0-9._-]/g, '_');
  return reply.type('application/pdf').header('content-disposition', `inline; filename="${name}"`).send(pdf);
}

const HostedParams = Closed({ businessId: Type.String({ maxLength: 64 }), token: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }) });
type Params = { businessId: string; token: string };

/** The customer's hosted page of a note and its PDF: public, addressed by an unguessable token. */
export function registerHostedNotes(app: FastifyInstance): void {
  const config = { auth: 'none' as const };
  const schema = { tags: ['hosted'], params: HostedParams };
  const response = (what: string) => ({ 200: Type.String({ description: what }), ...errorResponses(404, 422) });
  const find = (p: Params) => findNoteByHostedToken(app.deps.db, p.businessId, p.token, app.deps.config.publicUrl);
  app.get('/n/:businessId/:token', { config, schema: { ...schema, operationId: 'get_hosted_note_page_n__businessId___token__get', summary: 'Hosted note page', description: 'Hosted credit or debit note page (HTML).', produces: ['text/html'], response: response('HTML') } }, async (request, reply) => {
    const p = request.params as Params;
    const view = await find(p);
    const html = renderPage(await documentOf(app, view, p.businessId), `/n/${encodeURIComponent(p.businessId)}/${p.token}/pdf`);
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .header('referrer-policy', 'no-referrer')
      .send(html);
  });
  app.get('/n/:businessId/:token/pdf', { config, schema: { ...schema, operationId: 'get_hosted_note_pdf_n__businessId___token__pdf_get', summary: 'Hosted note PDF', description: 'PDF of a hosted credit or debit note.', produces: ['application/pdf'], response: response('PDF') } }, async (request, reply) => {
    const p = request.params as Params;
    return sendNotePdf(reply, await find(p), p.businessId);
  });
}
