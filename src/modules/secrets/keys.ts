import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Config, ConfigError, parseKey, type SecretKeys } from '../../config.ts';

export type { SecretKeys };

/** A short public name of a key (never the key): which key sealed a value, in the sealed text itself. */
export const keyId = (key: Buffer) => createHash('sha256').update('billow-secret-key:').update(key).digest('hex').slice(0, 12);

export const KEY_FILE = 'secret.key';

/** The generated key of an embedded (PGlite) data directory: made once, then read on every start. */
function dataDirKey(dataDir: string): Buffer {
  const file = path.join(dataDir, KEY_FILE);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    // 'wx': two processes starting at once never both write; the loser reads the winner's key.
    try {
      fs.writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return parseKey(file, fs.readFileSync(file, 'utf8'));
}

/**
 * The keys this process uses. BILLOW_SECRET_KEY wins. Without it: in-memory PGlite takes a
 * throwaway key; embedded PGlite and a development PostgreSQL use (or make)
 * `$BILLOW_DATA_DIR/secret.key`; PostgreSQL with NODE_ENV=production refuses to start, since its
 * data outlives any one machine's file. A key that cannot open the database's secrets stops the
 * start either way (at-rest.ts), so two hosts with different generated keys never mix them.
 */
export function resolveSecretKeys(config: Config): SecretKeys {
  if (config.secretKeys) return config.secretKeys;
  const url = config.databaseUrl;
  if (url?.startsWith('postgres') && config.production) {
    throw new ConfigError('BILLOW_SECRET_KEY is required with PostgreSQL in production: it encrypts Stripe keys and webhook secrets at rest (try: openssl rand -base64 32).');
  }
  if (url === 'memory://') return { current: randomBytes(32), previous: undefined, source: 'memory' };
  return { current: dataDirKey(config.dataDir), previous: undefined, source: 'file' };
}

/** The keys of a running process; resolved at start-up, so a missing one here is a wiring bug. */
export function keysOf(config: Config): SecretKeys {
  if (!config.secretKeys) throw new Error('secret keys were not resolved at start-up (resolveSecretKeys)');
  return config.secretKeys;
}

/** The start banner's line about the key (never the key itself). */
export function describeSecretKey(config: Config): string {
  const keys = keysOf(config);
  const id = keyId(keys.current);
  if (keys.source === 'file') {
    const warning = config.databaseUrl?.startsWith('postgres') ? ' WARNING: with PostgreSQL set BILLOW_SECRET_KEY on every host (required with NODE_ENV=production).' : '';
    return `Secrets at rest: AES-256-GCM with the key generated in ${path.join(config.dataDir, KEY_FILE)} (id ${id}); set BILLOW_SECRET_KEY to use your own.${warning}`;
  }
  if (keys.source === 'memory') return `Secrets at rest: AES-256-GCM with a throwaway key (in-memory database, id ${id}).`;
  return `Secrets at rest: AES-256-GCM with BILLOW_SECRET_KEY (id ${id})${keys.previous ? `; BILLOW_SECRET_KEY_PREVIOUS (id ${keyId(keys.previous)}) still decrypts` : ''}.`;
}
