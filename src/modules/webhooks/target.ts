import dns from 'node:dns';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { Agent } from 'undici';
import { invalid } from '../../domain/errors.ts';
import { isPrivateAddress } from './addresses.ts';

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/** Checks an endpoint URL when it is registered: http(s), no credentials, no literal private address. */
export function checkTargetUrl(raw: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`'${raw}' is not a valid URL.`, 'url');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('The URL must use http or https.', 'url');
  if (url.username || url.password) throw invalid('The URL must not contain credentials.', 'url');
  const host = hostOf(url);
  if (!allowPrivate && (host === 'localhost' || (net.isIP(host) !== 0 && isPrivateAddress(host)))) {
    throw invalid('The URL points to a private, loopback or link-local address; set WEBHOOK_ALLOW_PRIVATE=true to allow it.', 'url');
  }
  return url.toString();
}

class PrivateTargetError extends Error {
  constructor(host: string, address: string) {
    super(`refused: ${host} resolves to the private address ${address}`);
    this.name = 'PrivateTargetError';
  }
}

type LookupCallback = (error: Error | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * DNS lookup used for the connection itself, so the address we check is the address we
 * connect to (no second resolution a rebinding DNS server could answer differently).
 */
function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    if (refused) return callback(new PrivateTargetError(hostname, refused.address), []);
    if (options.all) return callback(null, addresses);
    const first = addresses[0] as dns.LookupAddress;
    return callback(null, first.address, first.family);
  });
}

/**
 * postWebhook's timeoutMs is the only time limit, as it was with node:http: undici's own
 * (10 s to connect, 300 s for headers and for the body) would cut in with other messages.
 */
const NO_TIMEOUTS = { connectTimeout: 0, headersTimeout: 0, bodyTimeout: 0 };

/**
 * Keep-alive pools, one per origin inside each agent. undici passes `connect` options on to
 * net.connect / tls.connect, so the guarded agent resolves every name through guardedLookup.
 */
const agents = {
  guarded: new Agent({ ...NO_TIMEOUTS, connect: { lookup: guardedLookup } }),
  open: new Agent(NO_TIMEOUTS),
};

export interface PostOptions {
  allowPrivate: boolean;
  timeoutMs: number;
}

export interface PostResult {
  /** HTTP status, or null when no response came (network error, timeout, refused target). */
  status: number | null;
  excerpt: string | null;
  error: string | null;
  retryAfterMs: number | null;
}

const EXCERPT_BYTES = 1024;

function retryAfter(header: string | string[] | undefined, now: number): number | null {
  // node:http kept the first of repeated Retry-After headers; undici gives them all.
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Reads the whole answer but keeps only its first EXCERPT_BYTES: a body read to its end
 * leaves the connection reusable.
 */
async function readExcerpt(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < EXCERPT_BYTES) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
}

/** An attempt that got no answer: a network error, a timeout or a refused target. */
const noAnswer = (error: string): PostResult => ({ status: null, excerpt: null, error, retryAfterMs: null });

/** The request and its answer; every error becomes a result. */
async function exchange(agent: Agent, url: URL, headers: Record<string, string>, body: string, abort: EventEmitter): Promise<PostResult> {
  try {
    const response = await agent.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'Billow-Webhooks/1' },
      body,
      signal: abort,
    });
    const excerpt = await readExcerpt(response.body);
    return { status: response.statusCode, excerpt, error: null, retryAfterMs: retryAfter(response.headers['retry-after'], Date.now()) };
  } catch (error) {
    return noAnswer(error instanceof Error ? error.message || error.name : String(error));
  }
}

/**
 * POSTs one webhook. Redirects are not followed (a 3xx is a failed attempt), the whole
 * exchange is bounded by `timeoutMs`, and at most 1 KB of the answer is kept.
 */
export async function postWebhook(raw: string, headers: Record<string, string>, body: string, options: PostOptions): Promise<PostResult> {
  const url = new URL(raw);
  const host = hostOf(url);
  if (!options.allowPrivate && (net.isIP(host) !== 0 ? isPrivateAddress(host) : host === 'localhost')) {
    return noAnswer(`refused: ${host} is a private address`);
  }
  // undici accepts an EventEmitter as its abort signal; on Node 20 an AbortController costs
  // it some 15 µs more per request. The abort cuts a request that is sending or receiving,
  // but undici only sees it once the request has a connection (nodejs/undici#386), so the
  // timer settles the result itself; a request whose connection comes later is dropped unsent.
  const abort = new EventEmitter();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<PostResult>((resolve) => {
    timer = setTimeout(() => {
      resolve(noAnswer(`timeout after ${options.timeoutMs} ms`));
      abort.emit('abort');
    }, options.timeoutMs);
  });
  const agent = options.allowPrivate ? agents.open : agents.guarded;
  try {
    return await Promise.race([exchange(agent, url, headers, body, abort), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
