import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { percentile, round } from './stats.ts';

const CREATED_AT = /"created_at":"([^"]+)"/;

/**
 * A loopback webhook receiver for the benchmarks: answers 204 at once and records, per
 * request, the webhook-id (to count losses and duplicates) and commit-to-receipt time, taken
 * from the event's created_at (set inside the emitting transaction, so slightly before its
 * commit: the figure errs on the long side). It does not verify signatures: the tests do.
 */
export class BenchReceiver {
  readonly ids = new Map<string, number>();
  readonly receivedAt: number[] = [];
  readonly latencies: number[] = [];
  private server: http.Server | undefined;
  url = '';

  async start(): Promise<string> {
    this.server = http.createServer((request, response) => {
      let head = '';
      request.on('data', (chunk: Buffer) => {
        if (head.length < 400) head += chunk.toString('utf8', 0, 400);
      });
      request.on('end', () => {
        const now = Date.now();
        const id = String(request.headers['webhook-id']);
        this.ids.set(id, (this.ids.get(id) ?? 0) + 1);
        this.receivedAt.push(now);
        const createdAt = CREATED_AT.exec(head)?.[1];
        if (createdAt) this.latencies.push(now - Date.parse(createdAt));
        response.writeHead(204).end();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this.url;
  }

  get unique(): number {
    return this.ids.size;
  }

  get duplicates(): number {
    return this.receivedAt.length - this.ids.size;
  }

  /** Resolves once `count` distinct events arrived, or after `timeoutMs` (then fewer did). */
  async waitFor(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.unique < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    return this.unique >= count;
  }

  /** Requests received between two instants, per second. */
  ratePerS(from: number, to: number): number {
    const n = this.receivedAt.filter((t) => t >= from && t <= to).length;
    return round(n / ((to - from) / 1000), 0);
  }

  latency(): { p50_ms: number; p99_ms: number } {
    return { p50_ms: round(percentile(this.latencies, 50)), p99_ms: round(percentile(this.latencies, 99)) };
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
