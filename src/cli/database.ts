import { loadConfig } from '../config.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';

export interface CliDatabase {
  database: Database;
  /** Migrations this invocation applied (empty when the schema was already current). */
  applied: string[];
}

/**
 * Opens the database the server would use (same env variables, same defaults), brings its
 * schema up to date, runs `work`, and always closes it: PGlite holds its data directory
 * until it is closed, and an open pg pool would keep the process alive.
 */
export async function withDatabase<T>(work: (cli: CliDatabase) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    const applied = await migrate(database);
    return await work({ database, applied });
  } finally {
    await database.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
