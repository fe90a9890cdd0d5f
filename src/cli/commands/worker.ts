import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { openDatabase, stderrLog as log } from '../../db/database.ts';
import { prepareDatabase } from '../../db/startup.ts';
import { jobHandlers } from '../../jobs/handlers.ts';
import { startWorkers } from '../../jobs/runner.ts';
import { startSecrets } from '../../modules/secrets/at-rest.ts';
import { resolveSecretKeys } from '../../modules/secrets/keys.ts';
import { databaseOptions } from '../../server.ts';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Run the background workers alone (CSV imports, webhook delivery, mail, recurring invoices), without the HTTP API. Scale out by starting more of them against one PostgreSQL.')
    .action(async () => {
      const given = loadConfig();
      resolveSecretKeys(given);
      const database = await openDatabase(databaseOptions(given, log, 4));
      // Like the server: waits for a database that is not up yet instead of exiting.
      await prepareDatabase(database, given.databaseStartupTimeoutSeconds, log);
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
