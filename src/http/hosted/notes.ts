import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { loadNoteDocumentModel } from '../../modules/documents/load.ts';
import { renderPdf } from '../../modules/documents/render-pdf.ts';
import { findNoteByHostedToken } from '../../modules/notes/repository.ts';
import type { NoteView } from '../../modules/notes/view.ts';
import { Closed, NotFoundPage } from '../schemas.ts';
import { documentHeaders } from './headers.ts';
import { hostedErrorHandler, renderDocumentPage, sendPage } from './page.ts';

/**
 * Credit and debit notes as a PDF and a hosted page, rendered from the same document model and
 * templates as invoices (src/modules/documents), so they carry what CGST rule 53 asks and print
 * any script and the ₹ sign with the embedded Noto fonts.
 */
export async function sendNotePdf(reply: FastifyReply, view: NoteView): Promise<FastifyReply> {
  const pdf = await renderPdf(await loadNoteDocumentModel(reply.server.deps.db, view));
  const name = `${view.number}.pdf`.replace(/[^A-Za-z0-9._-]/g, '_');
  return documentHeaders(reply, 'pdf').type('application/pdf').header('content-disposition', `inline; filename="${name}"`).send(pdf);
}

const HostedParams = Closed({ businessId: Type.String({ maxLength: 64 }), token: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }) });
type Params = { businessId: string; token: string };

/** The customer's hosted page of a note and its PDF: public, addressed by an unguessable token. */
export function registerHostedNotes(app: FastifyInstance): void {
  const config = { auth: 'none' as const };
  const schema = { tags: ['hosted'], params: HostedParams };
  const response = (what: string) => ({ 200: Type.String({ description: what }), 404: NotFoundPage });
  const find = (p: Params) => findNoteByHostedToken(app.deps.db, p.businessId, p.token, app.deps.config.publicUrl);
  app.get('/n/:businessId/:token', { config, errorHandler: hostedErrorHandler, schema: { ...schema, operationId: 'get_hosted_note_page_n__businessId___token__get', summary: 'Hosted note page', description: 'Hosted credit or debit note page (HTML).', produces: ['text/html'], response: response('HTML') } }, async (request, reply) => {
    const p = request.params as Params;
    const model = await loadNoteDocumentModel(app.deps.db, await find(p));
    return sendPage(reply, renderDocumentPage(model, `/n/${encodeURIComponent(p.businessId)}/${p.token}/pdf`));
  });
  app.get('/n/:businessId/:token/pdf', { config, errorHandler: hostedErrorHandler, schema: { ...schema, operationId: 'get_hosted_note_pdf_n__businessId___token__pdf_get', summary: 'Hosted note PDF', description: 'PDF of a hosted credit or debit note.', produces: ['application/pdf'], response: response('PDF') } }, async (request, reply) => {
    const p = request.params as Params;
    return sendNotePdf(reply, await find(p));
  });
}
