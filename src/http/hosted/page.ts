import type { Business } from '../../db/schema.ts';
import type { DocumentView } from '../../modules/invoicing/view.ts';
import { formatMoney, formatQuantity, STATUS_LABEL } from './format.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Every piece of text on the page that a client or customer supplied goes through this. */
export const escapeHtml = (value: unknown) => String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const STYLE = `
  body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; background: #f4f5f7; color: #1f2328; margin: 0; }
  main { max-width: 820px; margin: 32px auto; background: #fff; padding: 40px 48px; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
  header { display: flex; justify-content: space-between; gap: 24px; border-bottom: 2px solid #1f2328; padding-bottom: 16px; }
  h1 { margin: 0 0 4px; font-size: 24px; } h2 { margin: 0; font-size: 20px; letter-spacing: .08em; text-align: right; }
  .muted { color: #59636e; font-size: 14px; } .facts { text-align: right; font-size: 14px; line-height: 1.6; }
  .status { display: inline-block; padding: 2px 10px; border-radius: 12px; background: #eef1f4; font-weight: 600; font-size: 13px; }
  .status.paid { background: #dafbe1; color: #116329; } .status.void { background: #ffebe9; color: #a40e26; }
  section.party { margin: 24px 0; } table { width: 100%; border-collapse: collapse; font-size: 14px; }
  th { text-align: left; border-bottom: 1px solid #d1d9e0; padding: 8px 6px; font-size: 12px; text-transform: uppercase; color: #59636e; }
  td { border-bottom: 1px solid #eef1f4; padding: 10px 6px; vertical-align: top; } .num { text-align: right; white-space: nowrap; }
  .totals { margin-left: auto; margin-top: 16px; width: 320px; } .totals td { border: 0; padding: 4px 6px; }
  .totals tr.grand td { font-weight: 700; font-size: 16px; border-top: 2px solid #1f2328; }
  .actions { margin-top: 32px; } .button { display: inline-block; background: #1f6feb; color: #fff; padding: 10px 18px; border-radius: 6px; text-decoration: none; font-weight: 600; }
`;

function lineRows(view: DocumentView): string {
  return view.line_items
    .map(
      (l) => `<tr><td>${escapeHtml(l.name)}${l.description ? `<div class="muted">${escapeHtml(l.description)}</div>` : ''}</td>
        <td>${escapeHtml(l.hsn_code)}</td><td class="num">${escapeHtml(formatQuantity(l.quantity))}</td>
        <td class="num">${escapeHtml(formatMoney(l.unit_price, view.currency))}</td>
        <td class="num">${escapeHtml(formatMoney(l.tax_total, view.currency))} <span class="muted">(${escapeHtml(l.tax_rate)}%)</span></td>
        <td class="num">${escapeHtml(formatMoney(l.taxable_amount, view.currency))}</td></tr>`,
    )
    .join('\n');
}

function totalRows(view: DocumentView): string {
  const rows: [string, number, string?][] = [['Subtotal', view.subtotal]];
  if (view.cgst) rows.push(['CGST', view.cgst]);
  if (view.sgst) rows.push(['SGST', view.sgst]);
  if (view.igst) rows.push(['IGST', view.igst]);
  if (view.tax) rows.push(['Tax', view.tax]);
  rows.push(['Total', view.total, 'grand'], ['Paid', view.total_paid], ['Balance due', view.balance_due, 'grand']);
  return rows
    .map(([label, amount, cls]) => `<tr${cls ? ` class="${cls}"` : ''}><td>${label}</td><td class="num">${escapeHtml(formatMoney(amount, view.currency))}</td></tr>`)
    .join('\n');
}

/** The public page a customer opens from hosted_invoice_url. */
export function renderInvoicePage(view: DocumentView, business: Business, pdfHref: string): string {
  const status = STATUS_LABEL[view.status] ?? view.status;
  const statusClass = view.status.endsWith('paid') && view.status !== 'partially_paid' ? 'paid' : view.status === 'void' ? 'void' : '';
  const title = `${business.country === 'IN' ? 'Tax invoice' : 'Invoice'} ${view.number ?? '(draft)'} — ${business.name}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
<header><div><h1>${escapeHtml(business.name)}</h1>
${business.gstin ? `<div class="muted">GSTIN ${escapeHtml(business.gstin)}</div>` : ''}</div>
<div><h2>${business.country === 'IN' ? 'TAX INVOICE' : 'INVOICE'}</h2><div class="facts">
<div>Invoice <strong data-testid="number">${escapeHtml(view.number ?? 'Draft')}</strong></div>
<div>Date ${escapeHtml(view.date)} · Due ${escapeHtml(view.due_date)}</div>
${view.place_of_supply ? `<div>Place of supply ${escapeHtml(view.place_of_supply)}</div>` : ''}
<div><span class="status ${statusClass}" data-testid="status">${escapeHtml(status)}</span></div></div></div></header>
<section class="party"><div class="muted">Bill to</div><div data-testid="customer"><strong>${escapeHtml(view.customer_name)}</strong></div>
${view.customer_email ? `<div class="muted">${escapeHtml(view.customer_email)}</div>` : ''}</section>
<table><thead><tr><th>Item</th><th>HSN/SAC</th><th class="num">Qty</th><th class="num">Rate</th><th class="num">Tax</th><th class="num">Amount</th></tr></thead>
<tbody>${lineRows(view)}</tbody></table>
<table class="totals" data-testid="totals"><tbody>${totalRows(view)}</tbody></table>
${view.description ? `<p class="muted">${escapeHtml(view.description)}</p>` : ''}
<div class="actions"><a class="button" href="${escapeHtml(pdfHref)}" data-testid="download-pdf">Download PDF</a></div>
</main></body></html>`;
}
