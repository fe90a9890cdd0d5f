import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Type } from 'typebox';
import type { Config } from './config.ts';
import { apiV1 } from './http/api-v1/index.ts';
import { formatNative } from './http/api-v1/format.ts';
import { bulkSurface } from './http/bulk/index.ts';
import { hostedSurface } from './http/hosted/index.ts';
import { ordersSurface } from './http/orders/index.ts';
import { presentedToken, registerAuth } from './http/auth.ts';
import { installErrorFormat } from './http/errors.ts';
import { registerJsonBody } from './http/json-body.ts';
import { RequestError } from './http/problem.ts';
import type { Deps } from './http/respond.ts';
import { validatorCompiler } from './http/validation.ts';
import type { Db } from './modules/context.ts';
import { type ObjectStore, openObjectStore } from './storage/index.ts';

export interface AppDeps {
  db: Db;
  config: Config;
  clock?: () => Date;
  logger?: FastifyServerOptions['logger'];
  /** Defaults to the store the configuration names. */
  store?: ObjectStore;
}

async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Billow', version: '0.1.0', description: 'Multi-tenant invoicing API with bulk invoice creation.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Personal access token bw_pat_…' },
          accessToken: { type: 'apiKey', in: 'header', name: 'accessToken' },
        },
      },
      security: [{ bearer: [] }, { accessToken: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
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

function registerMeta(app: FastifyInstance): void {
  app.get(
    '/health',
    { config: { auth: 'none' }, schema: { tags: ['meta'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get('/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () => app.swagger());
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: config.bodyLimitBytes,
    ajv: { customOptions: { coerceTypes: false } },
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  registerJsonBody(app);
  const fastifyDeps: Deps = { db: deps.db, clock: deps.clock ?? (() => new Date()), config, store: deps.store ?? (await openObjectStore(config)) };
  app.decorate('deps', fastifyDeps);
  installErrorFormat(app, formatNative);
  app.setNotFoundHandler((request) => {
    throw new RequestError(404, 'not_found.route', `Route ${request.method} ${request.url.split('?')[0]} not found.`);
  });
  await registerDocs(app);
  await registerRateLimit(app, config.rateLimitPerMinute);
  registerAuth(app, deps.db, config.adminToken);
  registerMeta(app);
  await app.register(apiV1, { prefix: '/api/v1' });
  await app.register(bulkSurface);
  await app.register(hostedSurface);
  await app.register(ordersSurface);
  return app;
}
