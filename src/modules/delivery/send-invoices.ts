import { sql } from 'kysely';
import { DomainError, notFound, required } from '../../domain/errors.ts';
import { enqueueJobs, type NewJob } from '../../jobs/queue.ts';
import { type Context, type Tx, transact } from '../context.ts';

export const MAIL_QUEUE = 'mail';

/** What the sender may choose; everything else comes from the invoice. */
export interface SendRequest {
  to?: string[] | undefined;
  cc?: string[] | undefined;
  subject?: string | undefined;
  message?: string | undefined;
}

/** The job's payload: recipients are settled when the request is accepted, so the answer can name them. */
export interface MailPayload {
  invoice_id: string;
  to: string[];
  cc: string[];
  subject: string | null;
  message: string | null;
}

export type SendResult = { invoice_id: string; ok: true; to: string[]; cc: string[] } | { invoice_id: string; ok: false; error: DomainError };

interface Sendable {
  id: string;
  status: string;
  party_email: string | null;
}

function check(id: string, invoice: Sendable | undefined, request: SendRequest): MailPayload | DomainError {
  if (!invoice) return notFound('Invoice', id);
  if (invoice.status === 'draft' || invoice.status === 'void') {
    return new DomainError('state.invalid', `Invoice '${id}' is ${invoice.status}: only finalized invoices are sent.`);
  }
  const to = request.to ?? (invoice.party_email ? [invoice.party_email] : []);
  if (to.length === 0) return required('to');
  return { invoice_id: id, to, cc: request.cc ?? [], subject: request.subject ?? null, message: request.message ?? null };
}

/**
 * Queues sending email for invoices, inside one transaction with the request's idempotency
 * record: the mail worker sends, retries a failing server, and marks each invoice delivered.
 * Each id succeeds or fails on its own (not found, draft or void, no recipient).
 */
export async function queueInvoiceEmails(tx: Tx, businessId: string, ids: string[], request: SendRequest, now: Date): Promise<SendResult[]> {
  const rows = await tx
    .selectFrom('invoices')
    .select(['id', 'status', 'party_email'])
    .where('business_id', '=', businessId)
    .where('kind', '=', 'invoice')
    .where('id', '=', sql<string>`any(${ids}::text[])`)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const results: SendResult[] = ids.map((id) => {
    const checked = check(id, byId.get(id), request);
    return checked instanceof DomainError ? { invoice_id: id, ok: false, error: checked } : { invoice_id: id, ok: true, to: checked.to, cc: checked.cc };
  });
  const jobs: NewJob[] = results.flatMap((r) =>
    r.ok ? [{ businessId, queue: MAIL_QUEUE, payload: { invoice_id: r.invoice_id, to: r.to, cc: r.cc, subject: request.subject ?? null, message: request.message ?? null } satisfies MailPayload }] : [],
  );
  await enqueueJobs(tx, jobs, now);
  return results;
}

/** The mail job of an invoice created with auto_send: to its customer, default subject and text. */
export function autoSendJob(businessId: string, invoiceId: string, email: string): NewJob {
  return { businessId, queue: MAIL_QUEUE, payload: { invoice_id: invoiceId, to: [email], cc: [], subject: null, message: null } satisfies MailPayload };
}

export function sendInvoices(ctx: Context, ids: string[], request: SendRequest): Promise<SendResult[]> {
  return transact(ctx, (tx) => queueInvoiceEmails(tx, ctx.businessId, ids, request, ctx.clock()));
}

/** One invoice: its failure is the request's error, and nothing is queued. */
export async function sendInvoice(ctx: Context, id: string, request: SendRequest): Promise<{ invoice_id: string; to: string[]; cc: string[] }> {
  return transact(ctx, async (tx) => {
    const [result] = await queueInvoiceEmails(tx, ctx.businessId, [id], request, ctx.clock());
    if (!result?.ok) throw result?.error ?? notFound('Invoice', id);
    return { invoice_id: result.invoice_id, to: result.to, cc: result.cc };
  });
}
