import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import Stripe from 'stripe';

/**
 * A fake of the parts of Stripe's API that Billow calls, on loopback, for the tests, the
 * benchmark and the README tour: customers (create, search by metadata), invoices (create,
 * add_lines, finalize, retrieve), Stripe's idempotency keys (same key → the first answer),
 * answers in Stripe's shapes. It records every request, enforces a requests-per-second limit
 * with 429 + Retry-After, and fails requests on demand with 429 or 500 (before or after doing
 * the work). `POST /fake/invoices/{id}/pay` pays an invoice and sends a signed invoice.paid
 * to a webhook URL, as Stripe would.
 *
 *   npx tsx scripts/fake-stripe.ts --port 12111 [--rate-limit 100] [--webhook-url URL --webhook-secret whsec_…]
 */

// biome-ignore lint/suspicious/noExplicitAny: the fake echoes Stripe's loosely typed JSON.
type Json = Record<string, any>;

export interface RecordedRequest {
  method: string;
  path: string;
  body: Json;
  idempotencyKey: string | undefined;
  status: number;
  at: number;
}

export interface Fault {
  /** 429 and 500 are retried by Billow; 400 is Stripe refusing the request (a permanent failure). */
  status: 400 | 429 | 500;
  /** Only requests whose "METHOD path" matches (default: any request). */
  match?: RegExp;
  /** 500 after the work was done and stored under the idempotency key: the answer is "lost". */
  afterWork?: boolean;
  retryAfterSeconds?: number;
}

export interface FakeStripeOptions {
  port?: number;
  /** Requests per second beyond which the fake answers 429 with Retry-After (Stripe's live limit: 100). */
  rateLimit?: number;
  webhook?: { url: string; secret: string } | undefined;
}

export interface FakeStripe {
  url: string;
  port: number;
  requests: RecordedRequest[];
  customers: Map<string, Json>;
  invoices: Map<string, Json>;
  /** Queue faults: each matching request takes the first one. */
  fail(...faults: Fault[]): void;
  /** Answers matching requests `ms` late, after doing their work (a client killed meanwhile never hears back). */
  slow(match: RegExp, ms: number): void;
  /** Requests answered 429 because of the rate limit. */
  rateLimited(): number;
  close(): Promise<void>;
}

/** Parses Stripe's form encoding with bracket keys (`lines[0][amount]=5`, `metadata[k]=v`) into objects and arrays. */
export function parseForm(text: string): Json {
  const root: Json = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.replace(/\]/g, '').split('[');
    let node: Json = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(parts[i + 1] as string);
      if (last) node[part] = value;
      else node = node[part] ??= nextIsIndex ? [] : {};
    });
  }
  return root;
}

const stripeError = (status: number, type: string, message: string, code?: string) => ({ status, body: { error: { type, message, ...(code ? { code } : {}) } } });

/** The metadata clauses of a search query: `metadata['k']:'v' AND …`. */
function metadataClauses(query: string): [string, string][] {
  return [...query.matchAll(/metadata\['([^']+)'\]:'([^']*)'/g)].map((m) => [m[1] as string, m[2] as string]);
}

interface Answer {
  status: number;
  body: Json;
}

export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
  const requests: RecordedRequest[] = [];
  const customers = new Map<string, Json>();
  const invoices = new Map<string, Json>();
  const replies = new Map<string, Answer>();
  const faults: Fault[] = [];
  const slow: { match: RegExp; ms: number }[] = [];
  const window: number[] = [];
  let limited = 0;
  let counter = 0;
  let baseUrl = '';
  const nextId = (prefix: string) => `${prefix}_fake${String(++counter).padStart(8, '0')}`;
  const created = () => Math.floor(Date.now() / 1000);

  function invoiceObject(fields: Json): Json {
    return {
      object: 'invoice',
      amount_due: 0,
      amount_paid: 0,
      amount_remaining: 0,
      total: 0,
      status: 'draft',
      hosted_invoice_url: null,
      number: null,
      lines: { object: 'list', data: [], has_more: false, total_count: 0 },
      created: created(),
      livemode: false,
      ...fields,
    };
  }

  function recompute(invoice: Json): void {
    const total = invoice.lines.data.reduce((sum: number, line: Json) => sum + line.amount, 0);
    invoice.total = total;
    invoice.amount_due = total;
    invoice.amount_remaining = total - invoice.amount_paid;
    invoice.lines.total_count = invoice.lines.data.length;
  }

  function route(method: string, path: string, body: Json, query: URLSearchParams): Answer {
    if (method === 'POST' && path === '/v1/customers') {
      const customer = { id: nextId('cus'), object: 'customer', name: body.name ?? null, email: body.email ?? null, metadata: body.metadata ?? {}, created: created() };
      customers.set(customer.id, customer);
      return { status: 200, body: customer };
    }
    if (method === 'GET' && path === '/v1/customers/search') {
      const clauses = metadataClauses(query.get('query') ?? '');
      const data = [...customers.values()].filter((c) => clauses.every(([k, v]) => c.metadata[k] === v));
      return { status: 200, body: { object: 'search_result', data, has_more: false, next_page: null, url: '/v1/customers/search' } };
    }
    if (method === 'POST' && path === '/v1/invoices') {
      if (!customers.has(body.customer)) return stripeError(400, 'invalid_request_error', `No such customer: '${body.customer}'`, 'resource_missing');
      const invoice = invoiceObject({
        id: nextId('in'),
        customer: body.customer,
        currency: body.currency,
        collection_method: body.collection_method,
        due_date: Number(body.due_date),
        description: body.description ?? null,
        metadata: body.metadata ?? {},
      });
      invoices.set(invoice.id, invoice);
      return { status: 200, body: invoice };
    }
    const m = /^\/v1\/invoices\/([^/]+)(\/add_lines|\/finalize)?$/.exec(path);
    if (m) {
      const invoice = invoices.get(m[1] as string);
      if (!invoice) return stripeError(404, 'invalid_request_error', `No such invoice: '${m[1]}'`, 'resource_missing');
      if (method === 'GET' && !m[2]) return { status: 200, body: invoice };
      if (method === 'POST' && m[2] === '/add_lines') {
        if (invoice.status !== 'draft') return stripeError(400, 'invalid_request_error', 'You can only add lines to a draft invoice.', 'invoice_not_editable');
        for (const line of (body.lines ?? []) as Json[]) {
          invoice.lines.data.push({ id: nextId('il'), object: 'line_item', amount: Number(line.amount), description: line.description ?? null, currency: invoice.currency });
        }
        recompute(invoice);
        return { status: 200, body: invoice };
      }
      if (method === 'POST' && m[2] === '/finalize') {
        if (invoice.status === 'draft') {
          invoice.status = 'open';
          invoice.number = `FAKE-${invoice.id.slice(-6)}`;
          invoice.hosted_invoice_url = `${baseUrl}/pay/${invoice.id}`;
        }
        return { status: 200, body: invoice };
      }
    }
    return stripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  }

  /** Sliding one-second window; a refused request does not count, as it did no work. */
  function overLimit(now: number): boolean {
    if (!options.rateLimit) return false;
    while (window.length > 0 && (window[0] as number) <= now - 1000) window.shift();
    if (window.length >= options.rateLimit) return true;
    window.push(now);
    return false;
  }

  function takeFault(signature: string): Fault | undefined {
    const index = faults.findIndex((f) => !f.match || f.match.test(signature));
    return index === -1 ? undefined : faults.splice(index, 1)[0];
  }

  function answer(method: string, path: string, body: Json, query: URLSearchParams, key: string | undefined): Answer & { retryAfter?: number } {
    const now = Date.now();
    if (overLimit(now)) {
      limited += 1;
      return { ...stripeError(429, 'invalid_request_error', 'Request rate limit exceeded.', 'rate_limit'), retryAfter: 1 };
    }
    const fault = takeFault(`${method} ${path}`);
    if (fault && !fault.afterWork) {
      const failed =
        fault.status === 429
          ? stripeError(429, 'invalid_request_error', 'Request rate limit exceeded.', 'rate_limit')
          : fault.status === 400
            ? stripeError(400, 'invalid_request_error', 'Fake Stripe refused this request.', 'parameter_invalid')
            : stripeError(500, 'api_error', 'Fake Stripe failure.');
      return { ...failed, retryAfter: fault.retryAfterSeconds ?? 0 };
    }
    const replayKey = key === undefined ? undefined : `${key}`;
    const stored = replayKey === undefined ? undefined : replies.get(replayKey);
    const result = stored ?? route(method, path, body, query);
    if (replayKey !== undefined && method === 'POST' && !stored && result.status < 500) replies.set(replayKey, result);
    if (fault?.afterWork) return stripeError(500, 'api_error', 'Fake Stripe failure after the work was done.');
    return result;
  }

  async function pay(id: string, res: http.ServerResponse): Promise<void> {
    const invoice = invoices.get(id);
    if (invoice?.status !== 'open') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no open invoice' }));
      return;
    }
    invoice.status = 'paid';
    invoice.amount_paid = invoice.amount_due;
    invoice.amount_remaining = 0;
    invoice.status_transitions = { paid_at: created() };
    let delivered: number | null = null;
    if (options.webhook) {
      const payload = JSON.stringify(stripeEvent('invoice.paid', invoice));
      const response = await fetch(options.webhook.url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signEvent(payload, options.webhook.secret) }, body: payload });
      delivered = response.status;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ invoice: id, status: 'paid', amount_paid: invoice.amount_paid, webhook_status: delivered }));
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const payMatch = /^\/fake\/invoices\/([^/]+)\/pay$/.exec(url.pathname);
      if (req.method === 'POST' && payMatch) {
        void pay(payMatch[1] as string, res);
        return;
      }
      const body = parseForm(Buffer.concat(chunks).toString('utf8'));
      const key = req.headers['idempotency-key'] as string | undefined;
      const result = answer(req.method ?? 'GET', url.pathname, body, url.searchParams, key);
      requests.push({ method: req.method ?? 'GET', path: url.pathname, body, idempotencyKey: key, status: result.status, at: Date.now() });
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'request-id': `req_${++counter}` };
      if (result.retryAfter !== undefined) headers['retry-after'] = String(result.retryAfter);
      if (key !== undefined) headers['idempotency-key'] = key;
      const delay = slow.find((d) => d.match.test(`${req.method} ${url.pathname}`))?.ms ?? 0;
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(result.status, headers).end(JSON.stringify(result.body));
      }, delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    port,
    requests,
    customers,
    invoices,
    fail: (...more) => faults.push(...more),
    slow: (match, ms) => slow.push({ match, ms }),
    rateLimited: () => limited,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let eventCounter = 0;

/** A Stripe event envelope around an object, as Stripe sends it to a webhook endpoint. */
export function stripeEvent(type: string, object: Json, id = `evt_fake${Date.now().toString(36)}${(++eventCounter).toString(36)}`): Json {
  return { id, object: 'event', api_version: '2026-11-18.endive', created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type, data: { object } };
}

/** The Stripe-Signature header of a payload, made by the SDK as Stripe makes it (t=…,v1=…). */
export function signEvent(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

/** An InvoicePayment (invoice_payment.paid): one payment of `amount` on a Stripe invoice. */
export function invoicePayment(stripeInvoiceId: string, amount: number, paymentIntent: string): Json {
  return {
    id: `inpay_${paymentIntent}`,
    object: 'invoice_payment',
    amount_paid: amount,
    amount_requested: amount,
    currency: 'usd',
    invoice: stripeInvoiceId,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: paymentIntent },
    status: 'paid',
    status_transitions: { paid_at: Math.floor(Date.now() / 1000), canceled_at: null },
  };
}

/** A Charge after refunds (charge.refunded): amount_refunded is the total refunded so far. */
export function refundedCharge(paymentIntent: string, amount: number, amountRefunded: number): Json {
  return { id: `ch_${paymentIntent}`, object: 'charge', amount, amount_captured: amount, amount_refunded: amountRefunded, refunded: amountRefunded === amount, payment_intent: paymentIntent, paid: true, status: 'succeeded', currency: 'usd' };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '12111' }, 'rate-limit': { type: 'string' }, 'webhook-url': { type: 'string' }, 'webhook-secret': { type: 'string' } } });
  const webhook = values['webhook-url'] && values['webhook-secret'] ? { url: values['webhook-url'], secret: values['webhook-secret'] } : undefined;
  const fake = await startFakeStripe({ port: Number(values.port), rateLimit: values['rate-limit'] ? Number(values['rate-limit']) : undefined, webhook });
  process.stdout.write(`Fake Stripe listening on ${fake.url} (STRIPE_API_URL=${fake.url})${webhook ? `; invoice.paid goes to ${webhook.url}` : ''}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
