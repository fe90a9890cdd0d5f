import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { round } from './stats.ts';

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

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

/** What a receiver process reports. */
export interface ReceiverSnapshot {
  unique: number;
  duplicates: number;
  receivedAt?: number[];
  latencies?: number[];
}

/**
 * The same receiver in a process of its own (as a real receiver would be on its own machine),
 * so its work does not queue behind the benchmark's HTTP load in one event loop.
 */
export class ReceiverProcess {
  private child: ChildProcess | undefined;
  private pending: ((snapshot: ReceiverSnapshot) => void)[] = [];
  url = '';

  async start(): Promise<string> {
    const child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      child.once('message', (message) => resolve((message as { url: string }).url));
      child.once('exit', (code) => reject(new Error(`receiver process exited with ${code}`)));
    });
    child.on('message', (message) => this.pending.shift()?.(message as ReceiverSnapshot));
    return this.url;
  }

  snapshot(full = false): Promise<ReceiverSnapshot> {
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.child?.send({ full });
    });
  }

  async waitFor(count: number, timeoutMs: number): Promise<ReceiverSnapshot> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.snapshot()).unique < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    return this.snapshot(true);
  }

  stop(): void {
    this.child?.kill('SIGTERM');
  }
}

/** Requests received between two instants, per second. */
export const ratePerS = (receivedAt: number[], from: number, to: number) => round(receivedAt.filter((t) => t >= from && t <= to).length / ((to - from) / 1000), 0);

if (process.argv.includes('--serve') && process.send) {
  const receiver = new BenchReceiver();
  const url = await receiver.start();
  process.on('message', (message: { full: boolean }) => {
    const snapshot: ReceiverSnapshot = { unique: receiver.unique, duplicates: receiver.duplicates };
    if (message.full) Object.assign(snapshot, { receivedAt: receiver.receivedAt, latencies: receiver.latencies });
    process.send?.(snapshot);
  });
  process.send({ url });
  process.on('disconnect', () => process.exit(0));
}
