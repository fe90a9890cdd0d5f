import { CompiledQuery, type DatabaseConnection, Kysely, PostgresDialect, PostgresDriver, type TransactionSettings } from 'kysely';
import pg from 'pg';
import type { DatabaseTimeouts } from '../config.ts';
import type { Database, DatabaseLog } from './database.ts';
import type { DB } from './schema.ts';
import { TYPE_PARSERS } from './type-parsers.ts';

const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => TYPE_PARSERS[oid] ?? pg.types.getTypeParser(oid, format ?? 'text'),
};

const timeoutSettings = (t: DatabaseTimeouts) => `set local statement_timeout = ${t.statementMs}; set local lock_timeout = ${t.lockMs}`;

/**
 * Every transaction bounds its own statements and lock waits with SET LOCAL, sent with BEGIN in
 * one round trip: it holds behind a transaction-pooling PgBouncer, where session settings
 * (and startup parameters such as `options`) do not.
 */
class BoundedDriver extends PostgresDriver {
  constructor(
    config: ConstructorParameters<typeof PostgresDriver>[0],
    private readonly timeouts: DatabaseTimeouts,
  ) {
    super(config);
  }

  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const mode = [settings.isolationLevel && `isolation level ${settings.isolationLevel}`, settings.accessMode].filter(Boolean).join(' ');
    await connection.executeQuery(CompiledQuery.raw(`start transaction ${mode}; ${timeoutSettings(this.timeouts)}`));
  }
}

class BoundedDialect extends PostgresDialect {
  constructor(
    private readonly pool: pg.Pool,
    private readonly timeouts: DatabaseTimeouts,
  ) {
    super({ pool });
  }

  override createDriver() {
    return new BoundedDriver({ pool: this.pool }, this.timeouts);
  }
}

/**
 * A pg pool that never lets a connection error escape as an unhandled 'error' event: an idle
 * client's error reaches the pool's listener, a checked-out client's its own; the query in
 * flight fails (→ 503 at the edge) and the broken client leaves the pool.
 */
function boundedPool(url: string, max: number, timeouts: DatabaseTimeouts, log: DatabaseLog): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types, connectionTimeoutMillis: timeouts.acquireMs });
  pool.on('error', (error) => log.warn({ err: error }, 'idle database connection failed; it leaves the pool'));
  pool.on('connect', (client) => {
    client.on('error', (error) => log.warn({ err: error }, 'database connection failed'));
    // Statements outside a transaction are bounded too on a direct connection; behind a
    // transaction pooler this lands on one server connection only (docs/RELIABILITY.md).
    client.query(`set statement_timeout = ${timeouts.statementMs}; set lock_timeout = ${timeouts.lockMs}`).catch(() => undefined);
  });
  return pool;
}

const backoff = (attempt: number) => Math.min(250 * 2 ** attempt, 5_000);

/**
 * LISTEN on a dedicated connection (DATABASE_DIRECT_URL when a pooler sits in front), re-made
 * with backoff whenever it drops or cannot be made. After each connection `onNotify` runs once,
 * so whatever was notified while it was down is picked up.
 */
function listenWithReconnect(url: string, channel: string, onNotify: (payload: string) => void, log: DatabaseLog): () => Promise<void> {
  let stopped = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    client = next;
    let dropped = false;
    // Error, end and a failed connect may each report the same loss: one retry per client.
    const drop = (error?: unknown) => {
      if (dropped || stopped) return;
      dropped = true;
      if (failures++ === 0) log.warn({ err: error, channel }, 'LISTEN connection lost; reconnecting with backoff');
      next.end().catch(() => undefined);
      timer = setTimeout(() => void connect(), backoff(failures));
      timer.unref();
    };
    next.on('error', drop);
    next.on('end', () => drop());
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    try {
      await next.connect();
      await next.query(`listen ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      drop(error);
      return;
    }
    if (failures > 0) log.info({ channel, failures }, 'LISTEN connection re-established');
    failures = 0;
    onNotify('');
  };
  void connect();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await client?.end().catch(() => undefined);
  };
}

export interface PostgresOptions {
  url: string;
  /** Where LISTEN connects: the server itself when `url` goes through a transaction pooler. */
  directUrl: string;
  poolSize: number;
  timeouts: DatabaseTimeouts;
  log: DatabaseLog;
}

export function openPostgres(options: PostgresOptions): Database {
  const pool = boundedPool(options.url, options.poolSize, options.timeouts, options.log);
  const db = new Kysely<DB>({ dialect: new BoundedDialect(pool, options.timeouts) });
  return {
    db,
    kind: 'postgres',
    exec: async (script) => {
      const client = await pool.connect();
      try {
        await client.query(script);
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    listen: async (channel, onNotify) => listenWithReconnect(options.directUrl, channel, onNotify, options.log),
    close: () => db.destroy(),
  };
}
