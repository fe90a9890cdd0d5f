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
  /** Templates (one invoice each) claimed and written per transaction by the recurring scheduler. */
  recurringChunkTemplates: number;
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
  /**
   * AES-256 keys sealing secrets at rest (BILLOW_SECRET_KEY, BILLOW_SECRET_KEY_PREVIOUS);
   * unset → resolved at start-up (src/modules/secrets/keys.ts: a key file for embedded PGlite).
   */
  secretKeys: SecretKeys | undefined;
  /** NODE_ENV=production: settings that only suit a developer machine refuse to start (BILLOW_SECRET_KEY). */
  production: boolean;
  /** Where the Stripe SDK sends its requests (STRIPE_API_URL, a fake in tests); unset → api.stripe.com. */
  stripeApi: { host: string; port: number; protocol: 'http' | 'https' } | undefined;
  /** Requests per second this process sends to one Stripe account (Stripe's live limit is 100). */
  stripeRequestsPerSecond: number;
}

/** The AES-256 keys that seal secrets at rest: the current one seals, both open. */
export interface SecretKeys {
  current: Buffer;
  previous: Buffer | undefined;
  /** Where the current key came from, for the start banner. */
  source: 'env' | 'file' | 'memory';
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

const tooShort = (name: string) => `${name} must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 24).`;

function secret(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < MIN_SECRET_LENGTH) throw new ConfigError(tooShort(name));
  return raw;
}

/**
 * BILLOW_ADMIN_TOKEN: a short one is refused under NODE_ENV=production; elsewhere it still
 * starts (existing development set-ups and test harnesses) and the banner warns (configWarnings).
 */
function adminToken(env: Env): string | undefined {
  const raw = env.BILLOW_ADMIN_TOKEN;
  if (raw === undefined || raw === '' || raw.length >= MIN_SECRET_LENGTH || env.NODE_ENV !== 'production') return raw || undefined;
  throw new ConfigError(tooShort('BILLOW_ADMIN_TOKEN'));
}

/** What a start prints as WARNING lines: settings accepted outside production that production refuses. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.adminToken && config.adminToken.length < MIN_SECRET_LENGTH) warnings.push(`WARNING: ${tooShort('BILLOW_ADMIN_TOKEN')} NODE_ENV=production refuses this one.`);
  return warnings;
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

/** 32 bytes, written as 64 hex digits or as base64 / base64url (43–44 characters). */
export function parseKey(name: string, raw: string): Buffer {
  const text = raw.trim();
  const hex = /^[0-9a-fA-F]{64}$/.test(text);
  const key = hex ? Buffer.from(text, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (key?.length !== 32) throw new ConfigError(`${name} must be 32 random bytes as 64 hex digits or base64 (try: openssl rand -base64 32).`);
  return key;
}

function secretKeys(env: Env): SecretKeys | undefined {
  const current = env.BILLOW_SECRET_KEY;
  const previous = env.BILLOW_SECRET_KEY_PREVIOUS;
  if (!current) {
    if (previous) throw new ConfigError('BILLOW_SECRET_KEY_PREVIOUS is set but BILLOW_SECRET_KEY is not.');
    return undefined;
  }
  return {
    current: parseKey('BILLOW_SECRET_KEY', current),
    previous: previous ? parseKey('BILLOW_SECRET_KEY_PREVIOUS', previous) : undefined,
    source: 'env',
  };
}

function stripeApi(env: Env): Config['stripeApi'] {
  const raw = env.STRIPE_API_URL;
  if (raw === undefined || raw === '') return undefined;
  const match = /^(https?):\/\/([^/:]+)(?::(\d+))?\/?$/.exec(raw);
  if (!match?.[1] || !match[2]) throw new ConfigError(`STRIPE_API_URL must be http(s)://host[:port], got '${raw}'.`);
  const protocol = match[1] as 'http' | 'https';
  return { protocol, host: match[2], port: match[3] ? Number(match[3]) : protocol === 'https' ? 443 : 80 };
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
    adminToken: adminToken(env),
    metricsToken: secret(env, 'METRICS_TOKEN'),
    authFailuresPerMinute: int(env, 'AUTH_FAILURES_PER_MINUTE', 120, 0, 1_000_000),
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
    recurringChunkTemplates: int(env, 'RECURRING_CHUNK_TEMPLATES', 500, 1, 10_000),
    workers: bool(env, 'WORKERS', true),
    jobLeaseSeconds: int(env, 'JOB_LEASE_SECONDS', 30, 1, 3600),
    webhookAllowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    webhookRetrySchedule: seconds(env, 'WEBHOOK_RETRY_SCHEDULE', [0, 5, 300, 1800, 7200, 18000, 36000, 36000]),
    eventRetentionDays: int(env, 'EVENT_RETENTION_DAYS', 30, 1, 3650),
    smtpUrl: smtpUrl(env),
    mailFrom: env.MAIL_FROM || 'Billow <billing@localhost>',
    secretKeys: secretKeys(env),
    production: env.NODE_ENV === 'production',
    stripeApi: stripeApi(env),
    stripeRequestsPerSecond: int(env, 'STRIPE_REQUESTS_PER_SECOND', 95, 1, 10_000),
  };
}
