import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController, type RouteOptions } from 'fastify';
import type { Config } from './config.ts';
import { apiV1 } from './http/api-v1/index.ts';
import { formatNative } from './http/api-v1/format.ts';
import { bulkSurface } from './http/bulk/index.ts';
import { hostedSurface } from './http/hosted/index.ts';
import { ordersSurface } from './http/orders/index.ts';
import { stripeSurface } from './http/stripe/index.ts';
import { presentedToken, registerAuth } from './http/auth.ts';
import { registerContract } from './http/contract/index.ts';
import { installErrorFormat } from './http/errors.ts';
import { registerJsonBody } from './http/json-body.ts';
import { registerDeadline, registerStartingGate } from './http/ops/deadline.ts';
import { registerOps } from './http/ops/index.ts';
import { createMetrics, registerMetrics } from './http/ops/metrics.ts';
import { RequestError } from './http/problem.ts';
import type { Deps } from './http/respond.ts';
import { validatorCompiler } from './http/validation.ts';
import type { Db } from './modules/context.ts';
import type { WorkerStatus } from './modules/ops/readiness.ts';
import { type ObjectStore, openObjectStore } from './storage/index.ts';

export interface AppDeps {
  db: Db;
  config: Config;
  clock?: () => Date;
  logger?: FastifyServerOptions['logger'];
  /** The background workers of this process, reported by GET /ready; none in tests of the HTTP API. */
  workers?: WorkerStatus;
  /** Called for every route as it is added, after the contract has filled it in (tests check responses with it). */
  onRoute?: (route: RouteOptions) => void;
  /** Defaults to the store the configuration names. */
  store?: ObjectStore;
  /** False while start-up still waits for the database: routes answer 503 (default: always started). */
  started?: () => boolean;
}

/** A client's x-request-id is kept when it is a sane token; otherwise a UUID is made. */
function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

async function registerRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
  if (perMinute === 0) return;
  await app.register(rateLimit, {
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const token = presentedToken(request);
      return token ? createHash('sha256').update(token).digest('base64url') : request.ip;
    },
    errorResponseBuilder: (_request, context) =>
      new RequestError(429, 'rate_limited', `Rate limit exceeded: ${context.max} requests per minute. Retry in ${context.after}.`),
  });
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: deps.logger ?? false,
    // One line per request would drown the console: it is logged at debug (src/http/ops/metrics.ts).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: requestId,
    bodyLimit: config.bodyLimitBytes,
    ajv: { customOptions: { coerceTypes: false } },
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  const started = deps.started ?? (() => true);
  registerStartingGate(app, started, formatNative);
  registerDeadline(app, config.requestTimeoutMs, formatNative);
  app.setValidatorCompiler(validatorCompiler);
  registerJsonBody(app);
  const fastifyDeps: Deps = { db: deps.db, clock: deps.clock ?? (() => new Date()), config, store: deps.store ?? (await openObjectStore(config)) };
  app.decorate('deps', fastifyDeps);
  installErrorFormat(app, formatNative);
  app.setNotFoundHandler((request) => {
    throw new RequestError(404, 'not_found.route', `Route ${request.method} ${request.url.split('?')[0]} not found.`);
  });
  registerMetrics(app, createMetrics(deps.db, fastifyDeps.clock));
  await registerContract(app, config);
  const { onRoute } = deps;
  if (onRoute) app.addHook('onRoute', (route) => onRoute(route));
  await registerRateLimit(app, config.rateLimitPerMinute);
  registerAuth(app, deps.db, { adminToken: config.adminToken, metricsToken: config.metricsToken }, config.authFailuresPerMinute);
  registerOps(app, deps.workers, started);
  await app.register(apiV1, { prefix: '/api/v1' });
  await app.register(bulkSurface);
  await app.register(hostedSurface);
  await app.register(ordersSurface);
  await app.register(stripeSurface);
  return app;
}
