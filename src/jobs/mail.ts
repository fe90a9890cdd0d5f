import { deliverInvoiceEmail } from '../modules/delivery/deliver-invoice.ts';
import { mailerFor } from '../modules/delivery/mailer.ts';
import { MAIL_QUEUE } from '../modules/delivery/send-invoices.ts';
import type { JobHandler } from './runner.ts';

/** Sends queued invoice emails; a mail server that refuses or times out is retried with backoff. */
export function mailHandler(options: Pick<JobHandler, 'backoffMs' | 'maxAttempts'> = {}): JobHandler {
  return {
    queue: MAIL_QUEUE,
    // Rendering is CPU work and SMTP is I/O: a few at once keep both busy.
    concurrency: 4,
    maxAttempts: options.maxAttempts ?? 10,
    ...(options.backoffMs ? { backoffMs: options.backoffMs } : {}),
    async handle(job, ctx) {
      const outcome = await deliverInvoiceEmail(job, ctx, mailerFor(ctx.config));
      ctx.log.info({ job: job.id, invoice: job.payload.invoice_id, outcome }, 'invoice email');
      return undefined;
    },
  };
}
