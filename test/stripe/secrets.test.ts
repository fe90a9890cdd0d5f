import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import { uuidv7 } from '../../src/ids.ts';
import { prepareSecrets, webhookSecretAad } from '../../src/modules/secrets/at-rest.ts';
import { open, seal, SecretKeyMismatch } from '../../src/modules/secrets/box.ts';
import { keyId, keysOf, resolveSecretKeys } from '../../src/modules/secrets/keys.ts';
import { startServer } from '../../src/server.ts';
import { ADMIN_TOKEN, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness } from '../helpers/factories.ts';
import { eventually } from './support.ts';
import { billow, cleanUp, newScratch, tempDataDir, TIMEOUT } from '../cli/processes.ts';
import { cleanUpChildren, startServer as startProcess } from '../imports/processes.ts';

const key = () => ({ current: randomBytes(32), previous: undefined, source: 'env' as const });
const PG_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;

let env: TestEnv;
const scratch = newScratch();
beforeAll(async () => {
  env = await testApp();
});
afterAll(async () => {
  await cleanUpChildren();
  cleanUp(scratch);
  await env.app.close();
});

describe('secrets at rest', () => {
  it('AES-256-GCM: opens with the key (or the previous one) and the row it belongs to, nothing else', () => {
    const a = key();
    const b = key();
    const sealed = seal(a, 'whsec_secret', 'row:1');
    expect(sealed).toMatch(new RegExp(`^sealed:v1:${keyId(a.current)}:`));
    expect(sealed).not.toContain('whsec_secret');
    expect(seal(a, 'whsec_secret', 'row:1')).not.toBe(sealed);
    expect(open(a, sealed, 'row:1')).toBe('whsec_secret');
    expect(open({ ...b, previous: a.current }, sealed, 'row:1')).toBe('whsec_secret');
    expect(() => open(b, sealed, 'row:1')).toThrow(SecretKeyMismatch);
    expect(() => open(a, sealed, 'row:2')).toThrow();
    const tampered = sealed.slice(0, -6) + (sealed.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
    expect(() => open(a, tampered, 'row:1')).toThrow();
  });

  it('keys: hex or base64 from BILLOW_SECRET_KEY, required with PostgreSQL in production, generated once into the data directory otherwise', () => {
    const hex = randomBytes(32).toString('hex');
    expect(loadConfig({ BILLOW_SECRET_KEY: hex }).secretKeys?.current.toString('hex')).toBe(hex);
    expect(() => loadConfig({ BILLOW_SECRET_KEY: 'short' })).toThrow(/BILLOW_SECRET_KEY must be 32 random bytes/);
    expect(() => loadConfig({ BILLOW_SECRET_KEY_PREVIOUS: hex })).toThrow(/BILLOW_SECRET_KEY is not/);
    const production = { DATABASE_URL: 'postgres://x@127.0.0.1/db', NODE_ENV: 'production' };
    expect(() => resolveSecretKeys(loadConfig(production))).toThrow(ConfigError);
    expect(() => resolveSecretKeys(loadConfig(production))).toThrow(/BILLOW_SECRET_KEY is required with PostgreSQL in production/);
    const dir = tempDataDir(scratch);
    const first = resolveSecretKeys(loadConfig({ BILLOW_DATA_DIR: dir }));
    expect(first.source).toBe('file');
    expect(fs.statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(resolveSecretKeys(loadConfig({ BILLOW_DATA_DIR: dir })).current.equals(first.current)).toBe(true);
    const developmentPostgres = resolveSecretKeys(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db', BILLOW_DATA_DIR: dir }));
    expect(developmentPostgres.source).toBe('file');
    expect(developmentPostgres.current.equals(first.current)).toBe(true);
  });

  it('start-up seals webhook secrets stored in clear (before migration 013), and they still open', async () => {
    const tenant = await createBusiness(env.app);
    const id = uuidv7();
    const clear = `whsec_${randomBytes(32).toString('base64')}`;
    const now = new Date().toISOString();
    await env.database.db
      .insertInto('webhook_endpoints')
      .values({ business_id: tenant.id, id, url: 'http://127.0.0.1:9/x', description: null, events: ['*'], secret: clear, created_at: now, updated_at: now })
      .execute();
    const keys = keysOf(env.config);
    expect((await prepareSecrets(env.database.db, keys)).sealed).toBeGreaterThanOrEqual(1);
    const row = await env.database.db.selectFrom('webhook_endpoints').select('secret').where('business_id', '=', tenant.id).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.secret).toMatch(/^sealed:v1:/);
    expect(open(keys, row.secret, webhookSecretAad(tenant.id, id))).toBe(clear);
  });

  it('a wrong BILLOW_SECRET_KEY fails at start-up, naming both key ids', async () => {
    const wrong = randomBytes(32);
    await expect(prepareSecrets(env.database.db, { current: wrong, previous: undefined, source: 'env' })).rejects.toThrow(
      new RegExp(`does not decrypt the secrets stored in this database: they were sealed with key ${keyId(keysOf(env.config).current)}, this process has key ${keyId(wrong)}`),
    );
    if (!PG_URL) return;
    // On PostgreSQL, the server itself refuses to start (and closes its pool).
    const config = loadConfig({ DATABASE_URL: PG_URL, BILLOW_SECRET_KEY: wrong.toString('base64'), BILLOW_SEED_DEMO: 'false', WORKERS: 'false', PORT: '0', HOST: '127.0.0.1', BILLOW_DATA_DIR: tempDataDir(scratch) });
    await expect(startServer(config)).rejects.toThrow(ConfigError);
  });

  it(
    'processes: a generated key file, `billow secrets rotate` to a new key, and a restart with the old key exits 2',
    async () => {
      const dir = tempDataDir(scratch);
      // PGlite on disk (DATABASE_URL '') and no key: the server makes one in the data directory.
      const noKey = { DATABASE_URL: '', BILLOW_SECRET_KEY: '', BILLOW_ADMIN_TOKEN: ADMIN_TOKEN, WORKERS: 'false', WEBHOOK_ALLOW_PRIVATE: 'true' };
      const server = await startProcess(dir, noKey);
      await eventually(async () => server.output.join('').includes(`key generated in ${path.join(dir, 'secret.key')}`));
      const business = await fetch(`${server.url}/api/v1/businesses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Rotate', country: 'US', currency: 'USD' }),
      }).then((r) => r.json() as Promise<{ business: { id: string }; token: string }>);
      const endpoint = await fetch(`${server.url}/api/v1/webhook-endpoints`, {
        method: 'POST',
        headers: { authorization: `Bearer ${business.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', events: ['*'] }),
      }).then((r) => r.json() as Promise<{ id: string; secret: string }>);
      expect(endpoint.secret).toMatch(/^whsec_/);
      server.proc.kill('SIGTERM');
      await server.exited;

      const old = fs.readFileSync(path.join(dir, 'secret.key'), 'utf8').trim();
      const fresh = randomBytes(32).toString('base64');
      const rotated = await billow(scratch, ['secrets', 'rotate'], dir, { BILLOW_SECRET_KEY: fresh, BILLOW_SECRET_KEY_PREVIOUS: old });
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(rotated.stdout).toMatch(/Re-encrypted 1 secret\(s\) with key [0-9a-f]{12}/);

      const refused = await billow(scratch, ['serve', '--port', '0', '--host', '127.0.0.1'], dir, { BILLOW_SECRET_KEY: old, BILLOW_SEED_DEMO: 'false' });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/Configuration error: BILLOW_SECRET_KEY does not decrypt the secrets stored in this database/);

      const database = await openDatabase({ url: undefined, dataDir: dir });
      try {
        const row = await database.db.selectFrom('webhook_endpoints').select('secret').where('id', '=', endpoint.id).executeTakeFirstOrThrow();
        const keys = { current: Buffer.from(fresh, 'base64'), previous: undefined, source: 'env' as const };
        expect(open(keys, row.secret, webhookSecretAad(business.business.id, endpoint.id))).toBe(endpoint.secret);
      } finally {
        await database.close();
      }
    },
    // Two cold server starts and two CLI runs: minutes on a loaded machine.
    TIMEOUT * 5,
  );
});
