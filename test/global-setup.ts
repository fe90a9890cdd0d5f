import { openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';

/**
 * With DATABASE_URL=postgres://… the suite starts from an empty schema once; workers then
 * share that database and isolate tests by business. PGlite runs in memory per worker.
 */
export default async function setup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url?.startsWith('postgres')) return;
  const database = await openDatabase({ url, dataDir: '' });
  try {
    await database.exec('drop schema if exists public cascade; create schema public;');
    await migrate(database);
  } finally {
    await database.close();
  }
}
