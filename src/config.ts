import path from 'node:path';

/** Every environment variable Billow reads, parsed and validated once at start-up. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** undefined → PGlite under dataDir; 'memory://' → in-memory PGlite; postgres://… → PostgreSQL. */
  databaseUrl: string | undefined;
  adminToken: string | undefined;
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

function databaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'memory://' || raw.startsWith('postgres://') || raw.startsWith('postgresql://')) return raw;
  throw new ConfigError(`DATABASE_URL must be unset, 'memory://' or 'postgres://…', got '${raw}'.`);
}

function adminToken(env: Env): string | undefined {
  const raw = env.BILLOW_ADMIN_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16) throw new ConfigError('BILLOW_ADMIN_TOKEN must be at least 16 characters.');
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
    adminToken: adminToken(env),
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
