import http from 'node:http';

/** A lean keep-alive JSON client over node:http: the load generator shares the server's process. */
export class HttpClient {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(baseUrl: string, sockets: number) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  /** Sends a request; the body is a pre-serialized JSON string (or an object to serialize). */
  request(method: string, path: string, body: string | object | undefined, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers: {
            ...headers,
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      // A stuck server must not hang the benchmark.
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no response within 60 s`)));
      req.end(payload);
    });
  }

  async json(method: string, path: string, body: object | undefined, headers: Record<string, string>, expect: number): Promise<any> {
    const res = await this.request(method, path, body, headers);
    if (res.status !== expect) throw new Error(`${method} ${path} → ${res.status} (expected ${expect}): ${res.body.slice(0, 500)}`);
    return JSON.parse(res.body);
  }

  close(): void {
    this.agent.destroy();
  }
}
