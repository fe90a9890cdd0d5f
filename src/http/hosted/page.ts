import { documentHeaders } from './headers.ts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml } from '../../modules/documents/escape.ts';
import type { DocumentModel, PartyBlock, Table } from '../../modules/documents/model.ts';
import { toProblem } from '../problem.ts';

/** Escaped text whose line breaks stay line breaks. */
const lines = (value: string) => escapeHtml(value).replace(/\n/g, '<br>');

const STYLE = `
  body { font-family: "Billow Noto", -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; background: #f4f5f7; color: #1f2328; margin: 0; }
  main { position: relative; max-width: 900px; margin: 32px auto; background: #fff; padding: 40px 48px; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.08); overflow: hidden; }
  header { display: flex; justify-content: space-between; gap: 24px; border-bottom: 2px solid #1f2328; padding-bottom: 16px; flex-wrap: wrap; }
  h1 { margin: 0 0 4px; font-size: 22px; } h2 { margin: 0; font-size: 20px; letter-spacing: .08em; text-align: right; }
  .logo { max-width: 160px; max-height: 64px; display: block; margin-bottom: 8px; }
  .muted { color: #59636e; font-size: 13px; } .copy { text-align: right; color: #59636e; font-size: 12px; }
  dl.facts { display: grid; grid-template-columns: auto auto; gap: 2px 12px; margin: 8px 0 0; font-size: 14px; } dl.facts dt { font-weight: 600; text-align: right; } dl.facts dd { margin: 0; }
  .status { display: inline-block; padding: 2px 10px; border-radius: 12px; background: #eef1f4; font-weight: 600; font-size: 13px; }
  .status.paid { background: #dafbe1; color: #116329; } .status.void { background: #ffebe9; color: #a40e26; } .status.draft { background: #fff8c5; color: #7d4e00; }
  section.party { margin: 24px 0; } .heading { color: #59636e; font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
  .scroll { overflow-x: auto; } table { width: 100%; border-collapse: collapse; font-size: 13px; }
  th { text-align: left; border-bottom: 1px solid #d1d9e0; padding: 8px 6px; font-size: 11px; text-transform: uppercase; color: #59636e; background: #f6f8fa; }
  td { border-bottom: 1px solid #eef1f4; padding: 8px 6px; vertical-align: top; } .num { text-align: right; white-space: nowrap; }
  tfoot td { font-weight: 700; border-top: 1px solid #d1d9e0; }
  .totals { margin-left: auto; margin-top: 16px; width: 340px; max-width: 100%; } .totals td { border: 0; padding: 4px 6px; }
  .totals tr.strong td { font-weight: 700; font-size: 16px; border-top: 2px solid #1f2328; }
  h3 { font-size: 14px; margin: 24px 0 8px; } .words { font-weight: 600; margin-top: 16px; }
  .signatory { text-align: right; margin-top: 32px; white-space: pre-line; font-weight: 600; } footer { margin-top: 24px; border-top: 1px solid #eef1f4; padding-top: 8px; }
  .mark { position: absolute; top: 40%; left: 0; right: 0; text-align: center; font-size: 120px; font-weight: 800; opacity: .08; transform: rotate(-30deg); pointer-events: none; }
  .actions { margin-top: 32px; } .button { display: inline-block; background: #1f6feb; color: #fff; padding: 10px 18px; border-radius: 6px; text-decoration: none; font-weight: 600; }
  @media (max-width: 640px) { main { margin: 0; padding: 20px 16px; border-radius: 0; } h2 { text-align: left; } .copy { text-align: left; } }
  /* On a phone every line becomes a card of label/value rows: every column readable, no sideways scrolling. */
  @media (max-width: 640px) {
    .scroll { overflow-x: visible; } table.cards thead { display: none; }
    table.cards tr { display: block; border: 1px solid #d1d9e0; border-radius: 6px; margin-bottom: 10px; padding: 4px 10px; }
    table.cards td { display: flex; justify-content: space-between; gap: 12px; border: 0; padding: 3px 0; text-align: right; white-space: normal; }
    table.cards td::before { content: attr(data-label); font-weight: 600; color: #59636e; text-align: left; white-space: nowrap; }
    table.cards td:empty { display: none; } table.cards tfoot td { border: 0; }
  }
`;

/** A small receipt mark, inline so the page needs no extra request. */
const FAVICON = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f6feb"/><path d="M9 7h14v18l-3.5-2-3.5 2-3.5-2L9 25z" fill="#fff"/><path d="M12 12h8M12 16h8M12 20h5" stroke="#1f6feb" stroke-width="2"/></svg>')}`;

const HEAD = `<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><link rel="icon" href="${FAVICON}">`;

/** Sends a customer-facing page with the headers every hosted page carries. */
export function sendPage(reply: FastifyReply, html: string): FastifyReply {
  return documentHeaders(reply, 'page').type('text/html; charset=utf-8').send(html);
}

/**
 * A customer who opens a wrong or expired link gets a small page saying so, not an API error:
 * a malformed token is just another wrong link (404). Anything else keeps the usual handling.
 */
export function hostedErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = toProblem(error).status;
  if (status !== 404 && status !== 422) throw error;
  const body = `<!doctype html><html lang="en"><head>${HEAD}<title>Link not found</title><style>${STYLE}</style></head>
<body><main><h1>This link does not lead to a document</h1><p class="muted">It may be mistyped, incomplete or no longer valid. Please ask the sender for a new link.</p></main></body></html>`;
  return sendPage(reply.code(404), body);
}

function table(t: Table, testId: string): string {
  const cls = (i: number) => (t.columns[i]?.align === 'right' ? ' class="num"' : '');
  const label = (i: number, tag: 'td' | 'th') => (tag === 'td' ? ` data-label="${escapeHtml(t.columns[i]?.label ?? '')}"` : '');
  const row = (cells: string[], tag: 'td' | 'th') => `<tr>${cells.map((c, i) => `<${tag}${cls(i)}${label(i, tag)} dir="auto">${lines(c)}</${tag}>`).join('')}</tr>`;
  return `<div class="scroll"><table class="cards" data-testid="${testId}"><thead>${row(
    t.columns.map((c) => c.label),
    'th',
  )}</thead><tbody>${t.rows.map((r) => row(r, 'td')).join('\n')}</tbody>${t.footer ? `<tfoot>${row(t.footer, 'td')}</tfoot>` : ''}</table></div>`;
}

const partyLines = (party: PartyBlock) => party.lines.map((l) => `<div class="muted" dir="auto">${escapeHtml(l)}</div>`).join('');

function header(model: DocumentModel): string {
  const logo = model.logo ? `<img class="logo" alt="" src="data:${model.logo.contentType};base64,${model.logo.data.toString('base64')}">` : '';
  const statusClass = model.mark ? model.mark.toLowerCase() : '';
  return `<header><div>${logo}<h1 dir="auto">${escapeHtml(model.seller.name)}</h1>${partyLines(model.seller)}</div>
<div><h2>${escapeHtml(model.title)}</h2>${model.copyLabel ? `<div class="copy">${escapeHtml(model.copyLabel)}</div>` : ''}
<dl class="facts">${model.facts.map(([label, value], i) => `<dt>${escapeHtml(label)}</dt><dd${i === 0 ? ' data-testid="number"' : ''}>${escapeHtml(value)}</dd>`).join('')}
<dt>Status</dt><dd><span class="status ${statusClass}" data-testid="status">${escapeHtml(model.status)}</span></dd></dl></div></header>`;
}

/**
 * The public page a customer opens from hosted_invoice_url: the same document model as the
 * PDF, and, while an amount is due on an invoice pushed to Stripe, a "Pay online" button.
 */
export function renderDocumentPage(model: DocumentModel, pdfHref: string, payHref?: string): string {
  const title = `${model.title} ${model.number} — ${model.seller.name}`;
  return `<!doctype html>
<html lang="${escapeHtml(model.locale)}"><head>${HEAD}
<link rel="stylesheet" href="/assets/fonts.css"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
${model.mark ? `<div class="mark" aria-hidden="true">${escapeHtml(model.mark)}</div>` : ''}
${header(model)}
<section class="party"><div class="heading">${escapeHtml(model.buyer.heading)}</div><div data-testid="customer" dir="auto"><strong>${escapeHtml(model.buyer.name)}</strong></div>${partyLines(model.buyer)}</section>
${table(model.lines, 'lines')}
<table class="totals" data-testid="totals"><tbody>${model.totals
    .map((t) => `<tr${t.strong ? ' class="strong"' : ''}><td>${escapeHtml(t.label)}</td><td class="num">${escapeHtml(t.value)}</td></tr>`)
    .join('')}</tbody></table>
<p class="words" data-testid="amount-in-words">${escapeHtml(model.amountInWords)}</p>
<h3>${escapeHtml(model.summaryTitle)}</h3>${table(model.summary, 'summary')}
${model.notes.map((n) => `<p><strong>${escapeHtml(n.label)}:</strong> <span dir="auto">${lines(n.text)}</span></p>`).join('\n')}
${model.signatory ? `<div class="signatory">${escapeHtml(model.signatory.replace(/\n+/g, '\n'))}</div>` : ''}
${model.footer ? `<footer class="muted" dir="auto">${lines(model.footer)}</footer>` : ''}
<div class="actions">${payHref ? `<a class="button" href="${escapeHtml(payHref)}" rel="noopener" data-testid="pay-online">Pay online</a> ` : ''}<a class="button" href="${escapeHtml(pdfHref)}" data-testid="download-pdf">Download PDF</a></div>
</main></body></html>`;
}
