import type { Command } from 'commander';
import { withDatabase } from '../database.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (DATABASE_URL, or PGlite under BILLOW_DATA_DIR) and print their names.')
    .action(async () => {
      const applied = await withDatabase(async (cli) => cli.applied);
      if (applied.length === 0) {
        process.stdout.write('Database schema is up to date; no migrations applied.\n');
        return;
      }
      for (const name of applied) process.stdout.write(`applied ${name}\n`);
      process.stdout.write(`${applied.length} migration(s) applied.\n`);
    });
}
