import { sql } from 'kysely';
import { type Config, ConfigError } from '../../config.ts';
import type { Db, Tx } from '../context.ts';
import { isSealed, open, seal, sealedKeyId } from './box.ts';
import { keyId, resolveSecretKeys, type SecretKeys } from './keys.ts';

/** Every sealed column, with the additional data that binds a value to its row (box.ts). */
interface SealedTable {
  table: 'webhook_endpoints' | 'stripe_connections';
  columns: string[];
  aad(row: { business_id: string; id: string }, column: string): string;
}

export const webhookSecretAad = (businessId: string, endpointId: string) => `webhook_endpoint:${businessId}:${endpointId}`;
export const stripeSecretAad = (businessId: string, column: string) => `stripe_connection.${column}:${businessId}`;

const SEALED: SealedTable[] = [
  // The previous secret moves over from `secret` on rotation, so both columns share the row's data.
  { table: 'webhook_endpoints', columns: ['secret', 'previous_secret'], aad: (row) => webhookSecretAad(row.business_id, row.id) },
  { table: 'stripe_connections', columns: ['secret_key', 'webhook_secret'], aad: (row, column) => stripeSecretAad(row.business_id, column) },
];

const CHECK_AAD = 'secret_key_check';
const CHECK_TEXT = 'billow secrets at rest';

type Row = Record<string, string | null> & { business_id: string; id: string };

/**
 * Rewrites the sealed columns of one table with `change` (null = leave the value as it is),
 * set-based: one read, one UPDATE … FROM unnest for every changed row.
 */
async function resealTable(tx: Tx, spec: SealedTable, change: (value: string, aad: string) => string | null): Promise<number> {
  const idColumn = spec.table === 'stripe_connections' ? sql.raw('business_id') : sql.raw('id');
  const result = await sql<Row>`select business_id, ${idColumn} as id, ${sql.join(spec.columns.map((c) => sql.ref(c)))} from ${sql.table(spec.table)} for update`.execute(tx);
  const changed = result.rows.flatMap((row) => {
    const values = spec.columns.map((c) => {
      const value = row[c];
      return value === null || value === undefined ? null : change(value, spec.aad(row, c));
    });
    return values.some((v) => v !== null) ? [{ row, values: values.map((v, i) => v ?? row[spec.columns[i] as string] ?? null) }] : [];
  });
  if (changed.length === 0) return 0;
  const arrays = spec.columns.map((_, i) => changed.map((c) => c.values[i] ?? null));
  const sets = spec.columns.map((c, i) => sql`${sql.ref(c)} = v.c${sql.raw(String(i))}`);
  const unnests = spec.columns.map((_, i) => sql`unnest(${arrays[i]}::text[]) as c${sql.raw(String(i))}`);
  await sql`
    update ${sql.table(spec.table)} t set ${sql.join(sets)}
    from (select unnest(${changed.map((c) => c.row.business_id)}::text[]) as business_id, unnest(${changed.map((c) => c.row.id)}::text[]) as id, ${sql.join(unnests)}) v
    where t.business_id = v.business_id and t.${idColumn} = v.id`.execute(tx);
  return changed.length;
}

async function checkKey(tx: Tx, keys: SecretKeys): Promise<void> {
  const row = await tx.selectFrom('secret_key_check').select('sealed').where('id', '=', 1).executeTakeFirst();
  if (!row) {
    await tx.insertInto('secret_key_check').values({ id: 1, sealed: seal(keys, CHECK_TEXT, CHECK_AAD) }).execute();
    return;
  }
  try {
    if (open(keys, row.sealed, CHECK_AAD) === CHECK_TEXT) return;
  } catch {
    // Reported below: what matters to the operator is which key the data wants.
  }
  throw new ConfigError(
    `BILLOW_SECRET_KEY does not decrypt the secrets stored in this database: they were sealed with key ${sealedKeyId(row.sealed)}, ` +
      `this process has key ${keyId(keys.current)}. Start with the key they were sealed with (or pass it as BILLOW_SECRET_KEY_PREVIOUS and run \`billow secrets rotate\`).`,
  );
}

/**
 * At start-up, after the migrations: refuses a key that does not open this database's
 * secrets, and seals any secret still stored in clear (webhook secrets written before
 * migration 013). One transaction: a second process starting at once waits on the locks.
 */
export async function prepareSecrets(db: Db, keys: SecretKeys): Promise<{ sealed: number }> {
  return db.transaction().execute(async (tx) => {
    await checkKey(tx, keys);
    let sealed = 0;
    for (const spec of SEALED) sealed += await resealTable(tx, spec, (value, aad) => (isSealed(value) ? null : seal(keys, value, aad)));
    return { sealed };
  });
}

/**
 * `billow secrets rotate`: every secret sealed with BILLOW_SECRET_KEY_PREVIOUS (or in clear)
 * is sealed again with BILLOW_SECRET_KEY, and the key check with it, in one transaction.
 */
export async function rotateSecrets(db: Db, keys: SecretKeys): Promise<{ resealed: number; key_id: string }> {
  const current = keyId(keys.current);
  return db.transaction().execute(async (tx) => {
    await checkKey(tx, keys);
    let resealed = 0;
    for (const spec of SEALED) {
      resealed += await resealTable(tx, spec, (value, aad) => {
        if (!isSealed(value)) return seal(keys, value, aad);
        return sealedKeyId(value) === current ? null : seal(keys, open(keys, value, aad), aad);
      });
    }
    await tx.updateTable('secret_key_check').set({ sealed: seal(keys, CHECK_TEXT, CHECK_AAD) }).where('id', '=', 1).execute();
    return { resealed, key_id: current };
  });
}

/** Start-up of any process that reads secrets: the keys resolved and checked, clear secrets sealed. */
export async function startSecrets(db: Db, config: Config): Promise<Config> {
  const keys = resolveSecretKeys(config);
  await prepareSecrets(db, keys);
  return { ...config, secretKeys: keys };
}
