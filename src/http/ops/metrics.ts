import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../../modules/context.ts';
import { importRowsPerSecond, outboxLag, type QueueLag, queueLag } from '../../modules/ops/job-lag.ts';

/** Prometheus metrics of one app (one registry per app, so test apps do not share counters). */
export interface Metrics {
  registry: Registry;
  requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  bulkItems: Histogram<'route'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

/**
 * One read for the gauges that report parts of it: prom-client collects every metric of a
 * scrape at once, so they share the read in flight instead of querying once each.
 */
function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

/** Job queue backlog, read from the database when Prometheus scrapes (nothing to keep in sync). */
function registerQueueGauges(registry: Registry, db: Db, clock: () => Date): void {
  const lags = sharedRead(() => queueLag(db, clock()));
  const gauge = (name: string, help: string, value: (lag: QueueLag) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const lag of await lags()) this.set({ queue: lag.queue }, value(lag));
      },
    });
  gauge('billow_job_lag_seconds', 'Per queue, how long the oldest due job has waited for a worker (webhook delivery lag, import backlog).', (l) => l.lagSeconds);
  gauge('billow_jobs_waiting', 'Per queue, jobs due and not yet claimed by a worker.', (l) => l.waiting);
}

/** Webhook outbox lag and import throughput, also read at scrape time. */
function registerWorkGauges(registry: Registry, db: Db, clock: () => Date): void {
  const outbox = sharedRead(() => outboxLag(db, clock()));
  const gauge = (name: string, help: string, read: () => Promise<number>) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(await read());
      },
    });
  gauge('billow_outbox_lag_seconds', 'Age of the oldest committed event not yet delivered to a subscribed webhook endpoint.', async () => (await outbox()).lagSeconds);
  gauge('billow_outbox_pending', 'Event batches marked for a webhook endpoint and not yet delivered to it.', async () => (await outbox()).pending);
  gauge('billow_import_rows_per_second', 'Rows per second of the CSV imports running now (each its rows so far over its time so far, summed).', () => importRowsPerSecond(db, clock()));
}

export function createMetrics(db: Db, clock: () => Date): Metrics {
  const registry = new Registry();
  registerQueueGauges(registry, db, clock);
  registerWorkGauges(registry, db, clock);
  return {
    registry,
    // Its _count per route is the request rate (rate(billow_http_request_duration_seconds_count[1m])).
    requestDuration: new Histogram({
      name: 'billow_http_request_duration_seconds',
      help: 'HTTP request latency by route template, method and status.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    bulkItems: new Histogram({
      name: 'billow_bulk_items_per_call',
      help: 'Items in one bulk or batch call, by route template.',
      labelNames: ['route'],
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000],
      registers: [registry],
    }),
  };
}

/** Bulk routes report how many items a call carried. */
export function observeBulkItems(request: FastifyRequest, count: number): void {
  request.server.metrics.bulkItems.observe({ route: request.routeOptions.url ?? 'unmatched' }, count);
}

/**
 * Times every request by its route template (never the raw URL: ids would explode the label
 * set) and writes the one per-request log line at debug level, so the console at the default
 * level (info) shows no line per request.
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.decorate('metrics', metrics);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.requestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, seconds);
    request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request done');
  });
}
