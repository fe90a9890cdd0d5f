import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { getBusiness } from '../../modules/businesses/create-business.ts';
import { findByHostedToken } from '../../modules/invoicing/read.ts';
import type { DocumentView } from '../../modules/invoicing/view.ts';
import { Closed, errorResponses, HtmlPage, PdfFile } from '../schemas.ts';
import { renderInvoicePage } from './page.ts';
import { registerHostedNotes } from './notes.ts';
import { renderDocumentPdf } from './pdf.ts';

const HostedParams = Closed({ businessId: Type.String({ maxLength: 64 }), token: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }) });
type Params = { businessId: string; token: string };

/** Sends a document's PDF; shared by the authenticated API and the hosted page. */
export async function sendPdf(reply: FastifyReply, view: DocumentView, businessId: string): Promise<FastifyReply> {
  const business = await getBusiness(reply.server.deps.db, businessId);
  const pdf = await renderDocumentPdf(view, business);
  const name = `${view.number ?? view.id}.pdf`.replace(/[^A-Za-z0-9._-]/g, '_');
  return reply.type('application/pdf').header('content-disposition', `inline; filename="${name}"`).send(pdf);
}

/** The customer's hosted invoice page and its PDF: public, addressed by an unguessable token. */
export async function hostedSurface(app: FastifyInstance): Promise<void> {
  const config = { auth: 'none' as const };
  const schema = { tags: ['hosted'], params: HostedParams, response: errorResponses(404) };
  const find = (params: Params) => findByHostedToken(app.deps.db, params.businessId, params.token, app.deps.config.publicUrl);
  app.get('/i/:businessId/:token', {
      config,
      schema: {
        ...schema,
        operationId: 'get_hosted_invoice_page_i__businessId___token__get',
        summary: 'Hosted invoice page',
        description: "The customer's invoice page (HTML), public and addressed by an unguessable token, with a PDF link.",
        produces: ['text/html'],
        response: { 200: HtmlPage, ...schema.response },
      },
    }, async (request, reply) => {
    const params = request.params as Params;
    const view = await find(params);
    const business = await getBusiness(app.deps.db, params.businessId);
    const html = renderInvoicePage(view, business, `/i/${encodeURIComponent(params.businessId)}/${params.token}/pdf`);
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'")
      .header('referrer-policy', 'no-referrer')
      .send(html);
  });
  app.get('/i/:businessId/:token/pdf', {
      config,
      schema: {
        ...schema,
        operationId: 'get_hosted_invoice_pdf_i__businessId___token__pdf_get',
        summary: 'Hosted invoice PDF',
        description: 'The PDF of a hosted invoice, public and addressed by the same token as its page.',
        produces: ['application/pdf'],
        response: { 200: PdfFile, ...schema.response },
      },
    }, async (request, reply) => {
    const params = request.params as Params;
    return sendPdf(reply, await find(params), params.businessId);
  });
  registerHostedNotes(app);
}
