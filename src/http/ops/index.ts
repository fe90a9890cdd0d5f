import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { checkReadiness, type WorkerStatus } from '../../modules/ops/readiness.ts';
import { contractDocument } from '../contract/index.ts';

const Check = Type.Union([Type.Literal('ok'), Type.Literal('failed')]);
const ReadyBody = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Object({
    database: Check,
    migrations: Check,
    workers: Type.Union([Check, Type.Literal('none')], { description: "'none' where this process runs no workers." }),
  }),
  pending_migrations: Type.Array(Type.String()),
});

/** Liveness, readiness, Prometheus metrics and the OpenAPI document: public, for deployers and tools. */
/** /ready answers within this bound even when the database does not: a stalled check counts as failed. */
const READY_CHECK_MS = 800;

export function registerOps(app: FastifyInstance, workers: WorkerStatus | undefined, started: () => boolean): void {
  const config = { auth: 'none' as const };
  const tags = ['meta'];
  app.get(
    '/health',
    {
      config,
      schema: {
        tags,
        summary: 'Liveness',
        description: 'Answers 200 once start-up is done and as long as the process serves HTTP; checks nothing else (see /ready). 503 while start-up still waits for the database.',
        response: {
          200: Type.Object({ status: Type.Literal('ok') }, { examples: [{ status: 'ok' }] }),
          503: Type.Object({ status: Type.Literal('starting') }, { description: 'Start-up is still waiting for the database or applying migrations.' }),
        },
      },
    },
    async (_request, reply) => (started() ? { status: 'ok' as const } : reply.code(503).header('retry-after', '1').send({ status: 'starting' as const })),
  );
  app.get(
    '/ready',
    {
      config,
      schema: {
        tags,
        summary: 'Readiness',
        description: 'The database answers, every migration is applied and the background workers run; otherwise 503 naming what failed.',
        response: { 200: ReadyBody, 503: { ...ReadyBody, description: 'Not ready: `checks` names what failed.' } },
      },
    },
    async (_request, reply) => {
      const readiness = await checkReadiness(app.deps.db, workers, READY_CHECK_MS);
      const { ready, ...rest } = readiness;
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', ...rest });
    },
  );
  app.get(
    '/metrics',
    {
      config: { auth: 'metrics' },
      schema: {
        operationId: 'get_metrics_metrics_get',
        tags,
        summary: 'Prometheus metrics',
        description: 'Request latency and rate per route, bulk items per call, and process metrics, in the Prometheus text format. Needs `Authorization: Bearer <METRICS_TOKEN>`; without METRICS_TOKEN it answers loopback clients only (403 otherwise).',
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'Prometheus text exposition format 0.0.4.' }) },
      },
    },
    async (_request, reply) => reply.type(app.metrics.registry.contentType).send(await app.metrics.registry.metrics()),
  );
  app.get('/openapi.json', { config, schema: { hide: true } }, async () => contractDocument(app));
}
