import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { collectDefaultMetrics } from 'prom-client';
import { buildApp } from './app.ts';
import { type Config, configWarnings } from './config.ts';
import { type Database, type DatabaseLog, openDatabase, stderrLog } from './db/database.ts';
import { prepareDatabase } from './db/startup.ts';
import { jobHandlers } from './jobs/handlers.ts';
import { scheduleMaintenance } from './jobs/maintenance.ts';
import { startWorkers, type Workers } from './jobs/runner.ts';
import { type Credentials, ensureDemo } from './modules/businesses/seed-demo.ts';
import { describeMail } from './modules/delivery/mailer.ts';
import { startSecrets } from './modules/secrets/at-rest.ts';
import { describeSecretKey, resolveSecretKeys } from './modules/secrets/keys.ts';

export interface RunningServer {
  app: FastifyInstance;
  database: Database;
  url: string;
  credentials: Credentials | undefined;
  /** The background workers of this process (undefined with WORKERS=false). */
  workers: Workers | undefined;
  stop(): Promise<void>;
}

/** Pretty, colored lines for a person at a terminal; JSON lines (one object each) for log collectors. */
export function loggerOptions(config: Config, isTTY = Boolean(process.stdout.isTTY)): FastifyServerOptions['logger'] {
  if (!isTTY) return { level: config.logLevel };
  return { level: config.logLevel, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } };
}

/** The options every process gives openDatabase: the configured URLs, timeouts and a log. */
export const databaseOptions = (config: Config, log: DatabaseLog, poolSize?: number) => ({
  url: config.databaseUrl,
  directUrl: config.databaseDirectUrl,
  dataDir: config.dataDir,
  timeouts: config.databaseTimeouts,
  log,
  ...(poolSize ? { poolSize } : {}),
});

/**
 * start-up: config → database → listen → (wait for the database) migrations → demo seed →
 * workers, housekeeping. It listens before the database answers, so /health and /ready say
 * 503 "starting" meanwhile instead of the port being closed.
 */
export async function startServer(given: Config): Promise<RunningServer> {
  // Keys resolve before anything listens: a missing one stops the start (exit 2).
  const config: Config = { ...given, secretKeys: resolveSecretKeys(given) };
  // The pool is made before the app's logger; its records go there once it exists.
  let logTo: DatabaseLog = stderrLog;
  const log: DatabaseLog = {
    info: (obj, msg) => logTo.info(obj, msg),
    warn: (obj, msg) => logTo.warn(obj, msg),
    error: (obj, msg) => logTo.error(obj, msg),
  };
  const database = await openDatabase(databaseOptions(config, log));
  const clock = () => new Date();
  let started = false;
  let workers: Workers | undefined;
  // GET /ready reports not ready until the workers run, and again once they stop.
  const workerStatus = config.workers ? { running: () => workers?.running() ?? false } : undefined;
  const app = await buildApp({ db: database.db, config, clock, logger: loggerOptions(config), workers: workerStatus, started: () => started });
  logTo = app.log;
  collectDefaultMetrics({ register: app.metrics.registry, prefix: 'billow_' });
  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
  try {
    await prepareDatabase(database, config.databaseStartupTimeoutSeconds, log);
    // A key that does not open the stored secrets stops the start here; clear ones get sealed.
    await startSecrets(database.db, config);
  } catch (error) {
    await app.close();
    await database.close();
    throw error;
  }
  const credentials = config.seedDemo ? await ensureDemo(database.db, config.dataDir, clock) : undefined;
  started = true;
  workers = config.workers ? await startWorkers({ database, config, handlers: jobHandlers(), log: app.log, clock }) : undefined;
  const stopMaintenance = scheduleMaintenance(database, app.log, { eventRetentionDays: config.eventRetentionDays });
  let stopping: Promise<void> | undefined;
  // In-flight requests finish and running jobs checkpoint before the database closes.
  const stop = () => {
    stopMaintenance();
    stopping ??= Promise.all([app.close(), workers?.stop()]).then(() => database.close());
    return stopping;
  };
  return { app, database, url, credentials, workers, stop };
}

export function printBanner(server: RunningServer): void {
  const lines = [`Billow is listening on ${server.url}`, `API docs: ${server.url}/docs`, describeMail(server.app.deps.config), describeSecretKey(server.app.deps.config), ...configWarnings(server.app.deps.config)];
  if (server.credentials) {
    lines.push(
      `Demo business id: ${server.credentials.business_id}`,
      `Demo token (every scope): ${server.credentials.token}`,
      `Try: curl -H "Authorization: Bearer ${server.credentials.token}" ${server.url}/api/v1/customers`,
    );
  }
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
}

export function stopOnSignals(server: RunningServer): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      server.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
