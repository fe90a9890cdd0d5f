import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../db/database.ts';
import { migrate } from '../../db/migrate.ts';
import { jobHandlers } from '../../jobs/handlers.ts';
import { startWorkers, type WorkerLog } from '../../jobs/runner.ts';
import { startSecrets } from '../../modules/secrets/at-rest.ts';
import { resolveSecretKeys } from '../../modules/secrets/keys.ts';

/** One JSON line per log record on stderr, like the server's logger. */
const log: WorkerLog = {
  info: (obj, msg) => write('info', obj, msg),
  warn: (obj, msg) => write('warn', obj, msg),
  error: (obj, msg) => write('error', obj, msg),
};

function write(level: string, obj: object, msg?: string): void {
  const err = (obj as { err?: unknown }).err;
  const record = { level, time: new Date().toISOString(), msg, ...obj, ...(err instanceof Error ? { err: err.message } : {}) };
  process.stderr.write(`${JSON.stringify(record)}\n`);
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Run the background workers alone (CSV imports, webhook delivery, mail, recurring invoices), without the HTTP API. Scale out by starting more of them against one PostgreSQL.')
    .action(async () => {
      const given = loadConfig();
      resolveSecretKeys(given);
      const database = await openDatabase({ url: given.databaseUrl, dataDir: given.dataDir, poolSize: 4 });
      await migrate(database);
      const config = await startSecrets(database.db, given);
      const workers = await startWorkers({ database, config, handlers: jobHandlers(), log });
      log.info({ pid: process.pid }, 'workers started');
      // The worker loops' timers do not hold the process open; this does, until a signal.
      const keepAlive = setInterval(() => undefined, 60_000);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      clearInterval(keepAlive);
      await workers.stop();
      await database.close();
      log.info({ pid: process.pid }, 'workers stopped');
    });
}
