import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { invalid } from '../../domain/errors.ts';

/** Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE=true (SSRF into our own network). */
const PRIVATE = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(prefix, bits, 'ipv6');
}

function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? PRIVATE.check(mapped[1] as string, 'ipv4') : PRIVATE.check(address, 'ipv6');
}

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

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
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

function retryAfter(header: string | undefined, now: number): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * POSTs one webhook. Redirects are not followed (a 3xx is a failed attempt), the whole
 * exchange is bounded by `timeoutMs`, and at most 1 KB of the answer is kept.
 */
export function postWebhook(raw: string, headers: Record<string, string>, body: string, options: PostOptions): Promise<PostResult> {
  const url = new URL(raw);
  const host = hostOf(url);
  if (!options.allowPrivate && (net.isIP(host) !== 0 ? isPrivateAddress(host) : host === 'localhost')) {
    return Promise.resolve({ status: null, excerpt: null, error: `refused: ${host} is a private address`, retryAfterMs: null });
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const fail = (error: Error) => finish({ status: null, excerpt: null, error: error.message || error.name, retryAfterMs: null });
    const request = client.request(
      url,
      {
        method: 'POST',
        agent: agents[url.protocol as 'http:' | 'https:'],
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Billow-Webhooks/1' },
        ...(options.allowPrivate ? {} : { lookup: guardedLookup as never }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('error', fail);
        response.on('end', () => {
          const excerpt = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
          const status = response.statusCode ?? 0;
          finish({ status, excerpt, error: null, retryAfterMs: retryAfter(response.headers['retry-after'], Date.now()) });
        });
      },
    );
    const timer = setTimeout(() => request.destroy(new Error(`timeout after ${options.timeoutMs} ms`)), options.timeoutMs);
    request.on('error', fail);
    request.end(body);
  });
}
