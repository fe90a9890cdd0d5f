import { escapeHtml } from '../documents/escape.ts';
import type { DocumentModel } from '../documents/model.ts';
import type { DocumentView } from '../invoicing/view.ts';
import type { MailMessage } from './mailer.ts';
import type { MailPayload } from './send-invoices.ts';


/** The invoice email: a short note, the amount due, the hosted link, and the PDF attached. */
export function invoiceEmail(model: DocumentModel, view: DocumentView, payload: MailPayload, from: string, pdf: Buffer): MailMessage {
  const due = model.totals.find((t) => t.label === 'Balance due') ?? model.totals.find((t) => t.label === 'Total');
  const dueDate = model.facts.find(([label]) => label === 'Due date')?.[1];
  const subject = payload.subject ?? `${model.title === 'TAX INVOICE' ? 'Tax invoice' : 'Invoice'} ${model.number} from ${model.seller.name}`;
  const link = view.hosted_invoice_url ?? view.pdf_url;
  const summary = `${model.title} ${model.number}: ${due?.value ?? ''}${dueDate ? `, due ${dueDate}` : ''}.`;
  const text = [payload.message, `Dear ${model.buyer.name},`, summary, `View and download it: ${link}`, `— ${model.seller.name}`]
    .filter(Boolean)
    .join('\n\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif;color:#1f2328">
${payload.message ? `<p>${escapeHtml(payload.message).replace(/\n/g, '<br>')}</p>` : ''}
<p>Dear ${escapeHtml(model.buyer.name)},</p>
<p>${escapeHtml(summary)}</p>
<p><a href="${escapeHtml(link)}" style="display:inline-block;background:#1f6feb;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none">View invoice</a></p>
<p style="color:#59636e;font-size:13px">The PDF is attached. Link: ${escapeHtml(link)}</p>
<p>— ${escapeHtml(model.seller.name)}</p></body></html>`;
  const filename = `${model.number}.pdf`.replace(/[^A-Za-z0-9._-]/g, '_');
  return { from, to: payload.to, cc: payload.cc, subject, text, html, attachments: [{ filename, content: pdf, contentType: 'application/pdf' }] };
}
