import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, loadConfig } from '../../src/config.ts';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has the documented defaults with an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      dataDir: path.resolve('./data'),
      databaseUrl: undefined,
      databaseDirectUrl: undefined,
      databaseTimeouts: { acquireMs: 5000, statementMs: 15000, lockMs: 5000 },
      databaseStartupTimeoutSeconds: 300,
      requestTimeoutMs: 30000,
      adminToken: undefined,
      metricsToken: undefined,
      authFailuresPerMinute: 120,
      publicUrl: 'http://localhost:3000',
      bulkMaxItems: 50,
      batchMaxItems: 100,
      maxLineItems: 500,
      bulkMaxOrderIds: 100,
      bodyLimitBytes: 2 * 1024 * 1024,
      rateLimitPerMinute: 6000,
      idempotencyTtlSeconds: 24 * 3600,
      logLevel: 'info',
      seedDemo: true,
      objectStore: { kind: 'local' },
      s3: { endpoint: undefined, region: 'us-east-1', forcePathStyle: false },
      fileMaxBytes: 100 * 1024 * 1024,
      csvSyncMaxRows: 5000,
      importChunkInvoices: 1000,
      recurringChunkTemplates: 500,
      workers: true,
      jobLeaseSeconds: 30,
      smtpUrl: undefined,
      mailFrom: 'Billow <billing@localhost>',
      webhookAllowPrivate: false,
      webhookRetrySchedule: [0, 5, 300, 1800, 7200, 18000, 36000, 36000],
      eventRetentionDays: 30,
      secretKeys: undefined,
      production: false,
      stripeApi: undefined,
      stripeRequestsPerSecond: 95,
    });
  });

  it('reads STRIPE_API_URL as host, port and protocol, and refuses anything else', () => {
    expect(loadConfig({ STRIPE_API_URL: 'http://127.0.0.1:12111' }).stripeApi).toEqual({ protocol: 'http', host: '127.0.0.1', port: 12111 });
    expect(loadConfig({ STRIPE_API_URL: 'https://stripe.internal/' }).stripeApi).toEqual({ protocol: 'https', host: 'stripe.internal', port: 443 });
    expect(() => loadConfig({ STRIPE_API_URL: 'ftp://x' })).toThrow(/STRIPE_API_URL must be http\(s\):\/\/host\[:port\]/);
    expect(() => loadConfig({ STRIPE_REQUESTS_PER_SECOND: '0' })).toThrow(/STRIPE_REQUESTS_PER_SECOND must be between 1 and 10000/);
  });

  it('reads the webhook settings', () => {
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_SCHEDULE: '0,1,60', EVENT_RETENTION_DAYS: '7' })).toMatchObject({
      webhookAllowPrivate: true,
      webhookRetrySchedule: [0, 1, 60],
      eventRetentionDays: 7,
    });
  });

  it('takes an smtp:// or smtps:// SMTP_URL and refuses anything else without echoing its password', () => {
    expect(loadConfig({ SMTP_URL: 'smtps://u:p@mail.example:465', MAIL_FROM: 'A <a@example.com>' })).toMatchObject({ smtpUrl: 'smtps://u:p@mail.example:465', mailFrom: 'A <a@example.com>' });
    expect(() => loadConfig({ SMTP_URL: 'http://u:secret@mail.example' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ SMTP_URL: 'http://u:secret@mail.example' })).not.toThrow(/secret/);
  });

  it('reads the object store and import settings', () => {
    expect(loadConfig({ OBJECT_STORE: 's3://billow-files', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_REGION: 'eu-west-1', S3_FORCE_PATH_STYLE: 'true', FILE_MAX_BYTES: '1024', CSV_SYNC_MAX_ROWS: '10' })).toMatchObject({
      objectStore: { kind: 's3', bucket: 'billow-files' },
      s3: { endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', forcePathStyle: true },
      fileMaxBytes: 1024,
      csvSyncMaxRows: 10,
    });
    expect(configError({ OBJECT_STORE: 'ftp://x' }).message).toContain('OBJECT_STORE');
    expect(configError({ FILE_MAX_BYTES: '0' }).message).toContain('FILE_MAX_BYTES');
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', BILLOW_ADMIN_TOKEN: '', BILLOW_SEED_DEMO: '' })).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      adminToken: undefined,
      seedDemo: true,
    });
  });

  it('reads valid values', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      BILLOW_DATA_DIR: '/var/lib/billow',
      DATABASE_URL: 'postgres://u:p@db:5432/billow',
      BILLOW_ADMIN_TOKEN: 'a'.repeat(32),
      PUBLIC_URL: 'https://billow.example.com///',
      BULK_MAX_ITEMS: '100',
      BULK_MAX_ORDER_IDS: '250',
      RATE_LIMIT_PER_MINUTE: '0',
      BILLOW_SEED_DEMO: 'no',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/var/lib/billow',
      databaseUrl: 'postgres://u:p@db:5432/billow',
      adminToken: 'a'.repeat(32),
      publicUrl: 'https://billow.example.com',
      bulkMaxItems: 100,
      bulkMaxOrderIds: 250,
      rateLimitPerMinute: 0,
      seedDemo: false,
    });
  });

  it('derives the public URL from the port', () => {
    expect(loadConfig({ PORT: '4000' }).publicUrl).toBe('http://localhost:4000');
  });

  it.each(['memory://', 'postgres://localhost/x', 'postgresql://localhost/x'])('accepts DATABASE_URL=%s', (url) => {
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it.each([['abc'], ['-1'], ['1e3'], [' 80'], ['80.5'], ['65536'], ['0x50']])('refuses PORT=%j naming PORT', (value) => {
    expect(configError({ PORT: value }).message).toContain('PORT');
  });

  it.each([['mysql://root@localhost/billow'], ['sqlite:///tmp/x.db'], ['localhost:5432'], ['memory']])(
    'refuses DATABASE_URL=%s naming DATABASE_URL',
    (value) => {
      expect(configError({ DATABASE_URL: value }).message).toContain('DATABASE_URL');
    },
  );

  it.each([
    ['METRICS_TOKEN', {}],
    ['BILLOW_ADMIN_TOKEN', { NODE_ENV: 'production' }],
  ])('refuses a %s shorter than 32 characters, naming it, without echoing it', (name, extra) => {
    const short = 'secret-short-but-31-characters!';
    expect(short).toHaveLength(31);
    const error = configError({ ...extra, [name]: short });
    expect(error.message).toContain(name);
    expect(error.message).not.toContain(short);
    expect(loadConfig({ ...extra, [name]: `${short}x` })).toBeDefined();
  });

  it('outside production a short BILLOW_ADMIN_TOKEN starts with a warning that does not echo it', () => {
    const short = 'dev-admin-token';
    const config = loadConfig({ BILLOW_ADMIN_TOKEN: short });
    expect(config.adminToken).toBe(short);
    const warnings = configWarnings(config);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('BILLOW_ADMIN_TOKEN');
    expect(warnings[0]).not.toContain(short);
    expect(configWarnings(loadConfig({ BILLOW_ADMIN_TOKEN: 'x'.repeat(32) }))).toEqual([]);
  });

  it('reads the database bounds, the direct URL and the request deadline', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@pgbouncer:6432/billow',
      DATABASE_DIRECT_URL: 'postgres://u@db:5432/billow',
      DATABASE_ACQUIRE_TIMEOUT_MS: '800',
      DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      DATABASE_LOCK_TIMEOUT_MS: '900',
      DATABASE_STARTUP_TIMEOUT_SECONDS: '0',
      REQUEST_TIMEOUT_MS: '4000',
    });
    expect(config).toMatchObject({
      databaseDirectUrl: 'postgres://u@db:5432/billow',
      databaseTimeouts: { acquireMs: 800, statementMs: 2000, lockMs: 900 },
      databaseStartupTimeoutSeconds: 0,
      requestTimeoutMs: 4000,
    });
    expect(configError({ DATABASE_DIRECT_URL: 'memory://' }).message).toContain('DATABASE_DIRECT_URL');
    expect(configError({ DATABASE_LOCK_TIMEOUT_MS: '0' }).message).toContain('DATABASE_LOCK_TIMEOUT_MS');
  });

  it.each([
    ['BULK_MAX_ITEMS', '0'],
    ['BULK_MAX_ITEMS', 'many'],
    ['BATCH_MAX_ITEMS', '0'],
    ['BATCH_MAX_ITEMS', '10001'],
    ['MAX_LINE_ITEMS', '10001'],
    ['BULK_MAX_ORDER_IDS', '0'],
    ['BODY_LIMIT_BYTES', '10'],
    ['RATE_LIMIT_PER_MINUTE', '-5'],
    ['IDEMPOTENCY_TTL_SECONDS', '0'],
    ['BILLOW_SEED_DEMO', 'maybe'],
    ['BILLOW_SEED_DEMO', 'TRUE!'],
    ['WEBHOOK_ALLOW_PRIVATE', 'sure'],
    ['WEBHOOK_RETRY_SCHEDULE', '5 min'],
    ['WEBHOOK_RETRY_SCHEDULE', '0,,5'],
    ['EVENT_RETENTION_DAYS', '0'],
  ])('refuses %s=%j naming the variable', (name, value) => {
    expect(configError({ [name]: value }).message).toContain(name);
  });

  it('does not read process.env when given an environment', () => {
    const saved = process.env.PORT;
    process.env.PORT = 'not-a-port';
    try {
      expect(loadConfig({}).port).toBe(3000);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });
});
