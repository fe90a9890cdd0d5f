import dns from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type PostOptions, postWebhook } from '../../src/modules/webhooks/target.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client's port: the same port twice means the connection was kept alive. */
  port: number;
}

interface Server {
  port: number;
  seen: Seen[];
}

const servers: http.Server[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** An HTTP server on 127.0.0.1 that records each request and lets `answer` respond. */
async function serve(answer: (response: http.ServerResponse, n: number) => void): Promise<Server> {
  const seen: Seen[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body, port: request.socket.remotePort ?? 0 });
      answer(response, seen.length);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, seen };
}

const open: PostOptions = { allowPrivate: true, timeoutMs: 2_000 };
const guarded: PostOptions = { allowPrivate: false, timeoutMs: 2_000 };
const signature = { 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,abc=' };

describe('postWebhook', () => {
  it('POSTs the body with the signature headers, JSON content type and our user agent', async () => {
    const s = await serve((response) => response.end('ok'));
    const result = await postWebhook(`http://127.0.0.1:${s.port}/hook?a=1`, signature, '{"x":"é"}', open);
    expect(result).toEqual({ status: 200, excerpt: 'ok', error: null, retryAfterMs: null });
    expect(s.seen).toHaveLength(1);
    expect(s.seen[0]).toMatchObject({ method: 'POST', url: '/hook?a=1', body: '{"x":"é"}' });
    expect(s.seen[0]?.headers).toMatchObject({
      ...signature,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength('{"x":"é"}')),
      'user-agent': 'Billow-Webhooks/1',
    });
  });

  it('does not follow a redirect: the 3xx is the result', async () => {
    const s = await serve((response) => response.writeHead(302, { location: '/elsewhere' }).end('moved'));
    const result = await postWebhook(`http://127.0.0.1:${s.port}/hook`, signature, '{}', open);
    expect(result).toMatchObject({ status: 302, excerpt: 'moved', error: null });
    expect(s.seen.map((r) => r.url)).toEqual(['/hook']);
  });

  it('keeps 1 KB of a long answer and reuses the connection afterwards', async () => {
    const s = await serve((response, n) => response.end(n === 1 ? 'x'.repeat(200_000) : 'short'));
    const url = `http://127.0.0.1:${s.port}/hook`;
    const first = await postWebhook(url, signature, '{}', open);
    expect(first).toMatchObject({ status: 200, error: null });
    expect(first.excerpt).toBe('x'.repeat(1024));
    for (let n = 0; n < 3; n++) expect(await postWebhook(url, signature, '{}', open)).toMatchObject({ status: 200, excerpt: 'short' });
    // undici frees a connection one event-loop turn after its answer, so a request sent at
    // once may take a second connection; after that the two take turns.
    const ports = s.seen.map((r) => r.port);
    expect(ports.slice(1)).toContain(ports[0]);
    expect(new Set(ports).size).toBeLessThanOrEqual(2);
  });

  it('reads Retry-After as seconds or as an HTTP date', async () => {
    const later = new Date(Date.now() + 90_000).toUTCString();
    const s = await serve((response, n) => response.writeHead(n === 1 ? 429 : 503, { 'retry-after': n === 1 ? '120' : later }).end());
    const url = `http://127.0.0.1:${s.port}/hook`;
    expect(await postWebhook(url, signature, '{}', open)).toEqual({ status: 429, excerpt: '', error: null, retryAfterMs: 120_000 });
    const dated = await postWebhook(url, signature, '{}', open);
    expect(dated.status).toBe(503);
    expect(dated.retryAfterMs).toBeGreaterThan(80_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(90_000);
  });

  it('gives up after timeoutMs when the headers do not come, and closes that connection', async () => {
    let closed: Promise<unknown> | undefined;
    const s = await serve((response) => {
      closed = new Promise((resolve) => response.socket?.once('close', resolve));
    });
    const result = await postWebhook(`http://127.0.0.1:${s.port}/hook`, signature, '{}', { allowPrivate: true, timeoutMs: 200 });
    expect(result).toEqual({ status: null, excerpt: null, error: 'timeout after 200 ms', retryAfterMs: null });
    await closed;
  });

  it('gives up after timeoutMs when the body does not end, and closes that connection', async () => {
    let closed: Promise<unknown> | undefined;
    const s = await serve((response) => {
      closed = new Promise((resolve) => response.socket?.once('close', resolve));
      response.writeHead(200).write('partial');
    });
    const result = await postWebhook(`http://127.0.0.1:${s.port}/hook`, signature, '{}', { allowPrivate: true, timeoutMs: 200 });
    expect(result).toEqual({ status: null, excerpt: null, error: 'timeout after 200 ms', retryAfterMs: null });
    await closed;
  });

  it('reports a network error as the error, with no status', async () => {
    const s = await serve((response) => response.end());
    const port = s.port;
    const server = servers.pop() as http.Server;
    await new Promise((resolve) => server.close(resolve));
    const result = await postWebhook(`http://127.0.0.1:${port}/hook`, signature, '{}', open);
    expect(result).toMatchObject({ status: null, excerpt: null, retryAfterMs: null });
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('refuses a literal private address or localhost without sending', async () => {
    const s = await serve((response) => response.end());
    for (const host of ['127.0.0.1', 'localhost', '[::1]', '169.254.169.254']) {
      const result = await postWebhook(`http://${host}:${s.port}/hook`, signature, '{}', guarded);
      expect(result).toEqual({ status: null, excerpt: null, error: `refused: ${host.replace(/^\[|\]$/g, '')} is a private address`, retryAfterMs: null });
    }
    expect(s.seen).toHaveLength(0);
  });

  describe('a name that resolves to a loopback address', () => {
    // A stand-in DNS: hooks.example.test resolves to 127.0.0.1, after `delayMs`.
    const resolveToLoopback = (delayMs = 0) => {
      const lookup = dns.lookup;
      vi.spyOn(dns, 'lookup').mockImplementation(((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) =>
        hostname === 'hooks.example.test'
          ? setTimeout(() => callback(null, options.all ? [{ address: '127.0.0.1', family: 4 }] : '127.0.0.1', 4), delayMs)
          : lookup(hostname, options, callback)) as never);
    };

    it('is refused at connection time without WEBHOOK_ALLOW_PRIVATE', async () => {
      const s = await serve((response) => response.end('ok'));
      resolveToLoopback();
      const result = await postWebhook(`http://hooks.example.test:${s.port}/hook`, signature, '{}', guarded);
      expect(result).toEqual({ status: null, excerpt: null, error: 'refused: hooks.example.test resolves to the private address 127.0.0.1', retryAfterMs: null });
      expect(s.seen).toHaveLength(0);
    });

    it('times out while the connection is pending, and the late connection sends nothing', async () => {
      const s = await serve((response) => response.end('ok'));
      resolveToLoopback(400);
      const result = await postWebhook(`http://hooks.example.test:${s.port}/hook`, signature, '{}', { allowPrivate: true, timeoutMs: 200 });
      expect(result).toEqual({ status: null, excerpt: null, error: 'timeout after 200 ms', retryAfterMs: null });
      await sleep(400);
      expect(s.seen).toHaveLength(0);
    });

    it('is delivered to with WEBHOOK_ALLOW_PRIVATE', async () => {
      const s = await serve((response) => response.end('ok'));
      resolveToLoopback();
      const result = await postWebhook(`http://hooks.example.test:${s.port}/hook`, signature, '{}', open);
      expect(result).toEqual({ status: 200, excerpt: 'ok', error: null, retryAfterMs: null });
      expect(s.seen[0]?.headers.host).toBe(`hooks.example.test:${s.port}`);
    });
  });
});
