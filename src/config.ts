import path from 'node:path';

/** How long the database path may take before a request gets a 503 instead of hanging. */
export interface DatabaseTimeouts {
  /** Waiting for a free pooled connection (or for a new one to connect). */
  acquireMs: number;
  /** Any one statement (PostgreSQL statement_timeout). */
  statementMs: number;
  /** Waiting for a row or table lock (PostgreSQL lock_timeout). */
  lockMs: number;
}

export const DEFAULT_TIMEOUTS: DatabaseTimeouts = { acquireMs: 5_000, statementMs: 15_000, lockMs: 5_000 };

/** Every environment variable Billow reads, parsed and validated once at start-up. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** undefined → PGlite under dataDir; 'memory://' → in-memory PGlite; postgres://… → PostgreSQL. */
  databaseUrl: string | undefined;
  /** PostgreSQL itself for LISTEN/NOTIFY when DATABASE_URL goes through a transaction pooler. */
  databaseDirectUrl: string | undefined;
  /** Bounds on the database path: pool acquire, statement_timeout, lock_timeout (milliseconds). */
  databaseTimeouts: DatabaseTimeouts;
  /** How long start-up keeps retrying an unreachable database before giving up (seconds; 0 = forever). */
  databaseStartupTimeoutSeconds: number;
  /** A request still unanswered after this long gets 503 with Retry-After (milliseconds; 0 = no deadline). */
  requestTimeoutMs: number;
  adminToken: string | undefined;
  /** Bearer token GET /metrics requires; unset → /metrics answers loopback clients only. */
  metricsToken: string | undefined;
  /** Failed authentications per client address per minute before 429 (admin token included); 0 disables. */
  authFailuresPerMinute: number;
  publicUrl: string;
  bulkMaxItems: number;
  /** Most invoices in one POST /api/v1/invoices/batch (seeds/004). */
  batchMaxItems: number;
  maxLineItems: number;
  /** Most order ids one POST /invoices/bulk may name (seeds/003). */
  bulkMaxOrderIds: number;
  bodyLimitBytes: number;
  /** Requests per minute per token; 0 disables the limiter. */
  rateLimitPerMinute: number;
  idempotencyTtlSeconds: number;
  logLevel: string;
  seedDemo: boolean;
  /** Where uploaded files live: a local folder (default `dataDir/objects`) or an S3 bucket. */
  objectStore: { kind: 'local'; dir?: string | undefined } | { kind: 's3'; bucket: string };
  s3: { endpoint: string | undefined; region: string; forcePathStyle: boolean };
  fileMaxBytes: number;
  /** CSV imports with more data rows than this run in the background. */
  csvSyncMaxRows: number;
  /** Invoices written per transaction (with their checkpoint) by a background import. */
  importChunkInvoices: number;
  /** Run the background workers inside the server process (`billow worker` runs them alone). */
  workers: boolean;
  /** How long a claimed job stays with its worker without a heartbeat (a killed worker's jobs return after it). */
  jobLeaseSeconds: number;
  /** Let webhooks reach private, loopback and link-local addresses (development and tests). */
  webhookAllowPrivate: boolean;
  /** Delay before each webhook attempt, in seconds; its length is the number of attempts. */
  webhookRetrySchedule: number[];
  eventRetentionDays: number;
  /** smtp://… or smtps://…; unset → mail is written as .eml files under dataDir/mail. */
  smtpUrl: string | undefined;
  mailFrom: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got '${raw}'.`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}.`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got '${raw}'.`);
}

function seconds(env: Env, name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+(,\d+)*$/.test(raw)) throw new ConfigError(`${name} must be comma-separated whole seconds, got '${raw}'.`);
  return raw.split(',').map(Number);
}

const isPostgresUrl = (raw: string) => raw.startsWith('postgres://') || raw.startsWith('postgresql://');

function databaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'memory://' || isPostgresUrl(raw)) return raw;
  throw new ConfigError(`DATABASE_URL must be unset, 'memory://' or 'postgres://…', got '${raw}'.`);
}

function databaseDirectUrl(env: Env): string | undefined {
  const raw = env.DATABASE_DIRECT_URL;
  if (raw === undefined || raw === '') return undefined;
  if (!isPostgresUrl(raw)) throw new ConfigError(`DATABASE_DIRECT_URL must be 'postgres://…', got '${raw}'.`);
  return raw;
}

function databaseTimeouts(env: Env): DatabaseTimeouts {
  return {
    acquireMs: int(env, 'DATABASE_ACQUIRE_TIMEOUT_MS', DEFAULT_TIMEOUTS.acquireMs, 100, 600_000),
    statementMs: int(env, 'DATABASE_STATEMENT_TIMEOUT_MS', DEFAULT_TIMEOUTS.statementMs, 100, 3_600_000),
    lockMs: int(env, 'DATABASE_LOCK_TIMEOUT_MS', DEFAULT_TIMEOUTS.lockMs, 100, 3_600_000),
  };
}

/** Shortest secret accepted for a token set in the environment: too long to guess, even unthrottled. */
export const MIN_SECRET_LENGTH = 32;

function secret(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < MIN_SECRET_LENGTH) throw new ConfigError(`${name} must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 24).`);
  return raw;
}

function smtpUrl(env: Env): string | undefined {
  const raw = env.SMTP_URL;
  if (raw === undefined || raw === '') return undefined;
  if (!/^smtps?:\/\/[^/]+/.test(raw)) throw new ConfigError(`SMTP_URL must be smtp://… or smtps://…, got '${raw.replace(/\/\/[^@/]*@/, '//***@')}'.`);
  return raw;
}

function objectStore(env: Env): Config['objectStore'] {
  const raw = env.OBJECT_STORE;
  if (raw === undefined || raw === '') return { kind: 'local' };
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/?$/.exec(raw);
  if (!match?.[1]) throw new ConfigError(`OBJECT_STORE must be unset (local folder) or 's3://bucket', got '${raw}'.`);
  return { kind: 's3', bucket: match[1] };
}

export function loadConfig(env: Env = process.env): Config {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '0.0.0.0';
  return {
    port,
    host,
    dataDir: path.resolve(env.BILLOW_DATA_DIR || './data'),
    databaseUrl: databaseUrl(env),
    databaseDirectUrl: databaseDirectUrl(env),
    databaseTimeouts: databaseTimeouts(env),
    databaseStartupTimeoutSeconds: int(env, 'DATABASE_STARTUP_TIMEOUT_SECONDS', 300, 0, 86_400),
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 30_000, 0, 3_600_000),
    adminToken: secret(env, 'BILLOW_ADMIN_TOKEN'),
    metricsToken: secret(env, 'METRICS_TOKEN'),
    authFailuresPerMinute: int(env, 'AUTH_FAILURES_PER_MINUTE', 30, 0, 1_000_000),
    publicUrl: (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    bulkMaxItems: int(env, 'BULK_MAX_ITEMS', 50, 1, 10_000),
    batchMaxItems: int(env, 'BATCH_MAX_ITEMS', 100, 1, 10_000),
    maxLineItems: int(env, 'MAX_LINE_ITEMS', 500, 1, 10_000),
    bulkMaxOrderIds: int(env, 'BULK_MAX_ORDER_IDS', 100, 1, 10_000),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 2 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 6000, 0, 10_000_000),
    idempotencyTtlSeconds: int(env, 'IDEMPOTENCY_TTL_SECONDS', 24 * 3600, 1, 30 * 24 * 3600),
    logLevel: env.LOG_LEVEL || 'info',
    seedDemo: bool(env, 'BILLOW_SEED_DEMO', true),
    objectStore: objectStore(env),
    s3: { endpoint: env.S3_ENDPOINT || undefined, region: env.S3_REGION || env.AWS_REGION || 'us-east-1', forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', false) },
    fileMaxBytes: int(env, 'FILE_MAX_BYTES', 100 * 1024 * 1024, 1, 64 * 1024 * 1024 * 1024),
    csvSyncMaxRows: int(env, 'CSV_SYNC_MAX_ROWS', 5000, 1, 1_000_000),
    importChunkInvoices: int(env, 'IMPORT_CHUNK_INVOICES', 1000, 1, 100_000),
    workers: bool(env, 'WORKERS', true),
    jobLeaseSeconds: int(env, 'JOB_LEASE_SECONDS', 30, 1, 3600),
    webhookAllowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    webhookRetrySchedule: seconds(env, 'WEBHOOK_RETRY_SCHEDULE', [0, 5, 300, 1800, 7200, 18000, 36000, 36000]),
    eventRetentionDays: int(env, 'EVENT_RETENTION_DAYS', 30, 1, 3650),
    smtpUrl: smtpUrl(env),
    mailFrom: env.MAIL_FROM || 'Billow <billing@localhost>',
  };
}
