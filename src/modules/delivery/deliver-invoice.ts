import type { Config } from '../../config.ts';
import { holdLease, type Job, type Lease } from '../../jobs/queue.ts';
import type { Db } from '../context.ts';
import { loadDocumentModel } from '../documents/load.ts';
import { renderPdf } from '../documents/render-pdf.ts';
import { emitEvents } from '../events/outbox.ts';
import { getDocument } from '../invoicing/read.ts';
import { invoiceEmail } from './email.ts';
import type { Mailer } from './mailer.ts';
import type { MailPayload } from './send-invoices.ts';

export interface DeliveryContext extends Lease {
  db: Db;
  config: Pick<Config, 'publicUrl' | 'mailFrom'>;
}

export type DeliveryOutcome = 'sent' | 'skipped';

/**
 * Sends one invoice email, then records it: delivered, delivered_on and INVOICE_SENT commit
 * together, under this worker's lease. A send that fails throws, and the job runner retries it
 * later; the invoice is not marked delivered until a send succeeds. Delivery is at least once:
 * a crash between the server's acceptance and the commit sends the email again.
 */
export async function deliverInvoiceEmail(job: Job, ctx: DeliveryContext, mailer: Mailer): Promise<DeliveryOutcome> {
  const payload = job.payload as MailPayload;
  const view = await getDocument(ctx.db, job.business_id, 'invoice', payload.invoice_id, ctx.config.publicUrl);
  // Voided after it was queued: the customer must not receive it any more.
  if (view.status === 'void') return 'skipped';
  const model = await loadDocumentModel(ctx.db, view);
  const pdf = await renderPdf(model);
  await mailer.send(invoiceEmail(model, view, payload, ctx.config.mailFrom, pdf));
  await ctx.db.transaction().execute(async (tx) => {
    await holdLease(tx, job, ctx);
    const now = ctx.clock().toISOString();
    await tx
      .updateTable('invoices')
      .set({ delivered: true, delivered_on: now, updated_at: now })
      .where('business_id', '=', job.business_id)
      .where('id', '=', payload.invoice_id)
      .execute();
    const sent = await getDocument(tx, job.business_id, 'invoice', payload.invoice_id, ctx.config.publicUrl);
    await emitEvents(tx, job.business_id, now, [{ type: 'INVOICE_SENT', data: { ...sent, sent_to: payload.to, sent_cc: payload.cc } }]);
  });
  return 'sent';
}
