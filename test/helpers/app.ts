import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { checkResponses } from './response-contract.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghij';
/** Seals secrets at rest in every test (vitest.config.ts gives it to spawned processes too). */
export const TEST_SECRET_KEY = process.env.BILLOW_SECRET_KEY ?? '';

export interface TestEnv {
  app: FastifyInstance;
  database: Database;
  config: Config;
}

/** Test configuration: the real defaults, with the rate limiter off and webhooks allowed to loopback receivers. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ BILLOW_ADMIN_TOKEN: ADMIN_TOKEN, RATE_LIMIT_PER_MINUTE: '0', AUTH_FAILURES_PER_MINUTE: '0', WEBHOOK_ALLOW_PRIVATE: 'true', BILLOW_SECRET_KEY: TEST_SECRET_KEY }),
    databaseUrl: process.env.DATABASE_URL || 'memory://',
    ...overrides,
  };
}

let shared: Promise<Database> | undefined;

/** One database per test worker (PGlite in memory, or the PostgreSQL of DATABASE_URL). */
export function sharedDatabase(): Promise<Database> {
  shared ??= (async () => {
    const config = testConfig();
    // Generous bounds: these tests check behaviour under hundreds of concurrent requests on a
    // loaded machine, not the bounds themselves (test/reliability checks those, in child processes).
    const database = await openDatabase({ url: config.databaseUrl, dataDir: '', timeouts: { acquireMs: 60_000, statementMs: 60_000, lockMs: 30_000 } });
    await migrate(database);
    return database;
  })();
  return shared;
}

/**
 * A fresh app over the worker's shared database; tests isolate themselves by business. Every
 * 2xx JSON response is checked against its route's declared schema (./response-contract.ts).
 */
export async function testApp(overrides: Partial<Config> = {}): Promise<TestEnv> {
  const database = await sharedDatabase();
  const config = testConfig(overrides);
  const app = await buildApp({ db: database.db, config, onRoute: checkResponses });
  await app.ready();
  return { app, database, config };
}

export type Json = any;

export interface Response extends LightMyRequestResponse {
  body: string;
}

export async function inject(app: FastifyInstance, options: InjectOptions): Promise<LightMyRequestResponse> {
  return app.inject(options);
}
