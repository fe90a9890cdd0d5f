import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import fs from 'node:fs';
import { webFontCss, webFontFile } from '../../modules/documents/fonts.ts';
import { loadDocumentModel } from '../../modules/documents/load.ts';
import { notFound } from '../../domain/errors.ts';
import { renderPdf } from '../../modules/documents/render-pdf.ts';
import { findByHostedToken } from '../../modules/invoicing/read.ts';
import type { DocumentView } from '../../modules/invoicing/view.ts';
import { Closed, errorResponses, HtmlPage, NotFoundPage, PdfFile } from '../schemas.ts';
import { documentHeaders } from './headers.ts';
import { registerHostedNotes } from './notes.ts';
import { hostedErrorHandler, renderDocumentPage, sendPage } from './page.ts';

const HostedParams = Closed({ businessId: Type.String({ maxLength: 64 }), token: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }) });
type Params = { businessId: string; token: string };

/** Sends a document's PDF; shared by the authenticated API and the hosted page. */
export async function sendPdf(reply: FastifyReply, view: DocumentView): Promise<FastifyReply> {
  const pdf = await renderPdf(await loadDocumentModel(reply.server.deps.db, view));
  const name = `${view.number ?? view.id}.pdf`.replace(/[^A-Za-z0-9._-]/g, '_');
  return documentHeaders(reply, 'pdf').type('application/pdf').header('content-disposition', `inline; filename="${name}"`).send(pdf);
}

/** Stripe's payment page, while the invoice pushed there still has an amount due. */
const payOnlineHref = (view: DocumentView) =>
  view.balance_due > 0 && view.status !== 'void' && view.stripe_sync?.payment_url ? view.stripe_sync.payment_url : undefined;

/** The customer's hosted invoice page and its PDF: public, addressed by an unguessable token. */
export async function hostedSurface(app: FastifyInstance): Promise<void> {
  const config = { auth: 'none' as const };
  const errorHandler = hostedErrorHandler;
  const schema = { tags: ['hosted'], params: HostedParams, response: { 404: NotFoundPage } };
  const find = (params: Params) => findByHostedToken(app.deps.db, params.businessId, params.token, app.deps.config.publicUrl);
  app.get(
    '/i/:businessId/:token',
    {
      config,
      errorHandler,
      schema: {
        ...schema,
        operationId: 'get_hosted_invoice_page_i__businessId___token__get',
        summary: 'Hosted invoice page',
        description: "The customer's invoice page (HTML), public and addressed by an unguessable token, with a PDF link.",
        produces: ['text/html'],
        response: { 200: HtmlPage, ...schema.response },
      },
    },
    async (request, reply) => {
      const params = request.params as Params;
      const view = await find(params);
      const model = await loadDocumentModel(app.deps.db, view);
      return sendPage(reply, renderDocumentPage(model, `/i/${encodeURIComponent(params.businessId)}/${params.token}/pdf`, payOnlineHref(view)));
    },
  );
  app.get(
    '/i/:businessId/:token/pdf',
    {
      config,
      errorHandler,
      schema: {
        ...schema,
        operationId: 'get_hosted_invoice_pdf_i__businessId___token__pdf_get',
        summary: 'Hosted invoice PDF',
        description: 'The PDF of a hosted invoice, public and addressed by the same token as its page.',
        produces: ['application/pdf'],
        response: { 200: PdfFile, ...schema.response },
      },
    },
    async (request, reply) => sendPdf(reply, await find(request.params as Params)),
  );
  registerFontRoutes(app);
  registerHostedNotes(app);
}

const FONT_CACHE = 'public, max-age=604800, immutable';

/** The page's web fonts: the Noto slices the PDFs embed, as WOFF2, public and long-cached. */
function registerFontRoutes(app: FastifyInstance): void {
  const config = { auth: 'none' as const };
  app.get(
    '/assets/fonts.css',
    {
      config,
      schema: {
        tags: ['hosted'],
        summary: 'Web fonts of the hosted page',
        description: '@font-face rules (Noto, by Unicode range) for the hosted invoice page.',
        produces: ['text/css'],
        response: { 200: { description: 'A stylesheet.' } },
      },
    },
    async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', FONT_CACHE).send(webFontCss((face) => `/assets/fonts/${face.name}.woff2`)),
  );
  app.get(
    '/assets/fonts/:name',
    {
      config,
      schema: {
        tags: ['hosted'],
        summary: 'One web font file',
        description: 'A WOFF2 slice named by /assets/fonts.css.',
        params: Closed({ name: Type.String({ pattern: '^[a-z0-9-]{1,80}\\.woff2$' }) }),
        produces: ['font/woff2'],
        response: { 200: { description: 'The font file.' }, ...errorResponses(404, 422) },
      },
    },
    async (request, reply) => {
      const { name } = request.params as { name: string };
      const file = webFontFile(name.replace(/\.woff2$/, ''));
      if (!file) throw notFound('Font', name);
      return reply.type('font/woff2').header('cache-control', FONT_CACHE).send(fs.createReadStream(file));
    },
  );
}
