import type { DocumentModel } from './model.ts';

/**
 * The document as a PDF. The renderer (pdfkit, fontkit and their tables, ~25 MB of RSS) is
 * loaded on first use, so a server that never renders a PDF never holds it.
 */
export async function renderPdf(model: DocumentModel): Promise<Buffer> {
  const { renderDocumentPdf } = await import('./pdf.ts');
  return renderDocumentPdf(model);
}
