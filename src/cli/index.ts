import fs from 'node:fs';
import { Command } from 'commander';
import { ConfigError } from '../config.ts';
import { DataDirLocked } from '../db/data-lock.ts';
import { DomainError } from '../domain/errors.ts';
import { registerBusinesses } from './commands/businesses.ts';
import { registerImport } from './commands/import.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerSecrets } from './commands/secrets.ts';
import { registerServe } from './commands/serve.ts';
import { registerTokens } from './commands/tokens.ts';
import { registerWebhooks } from './commands/webhooks.ts';
import { registerWorker } from './commands/worker.ts';

const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('billow')
    .description('Billow: multi-tenant invoicing API. Configuration comes from the same environment variables as the server.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)');
  registerServe(program);
  registerMigrate(program);
  registerBusinesses(program);
  registerTokens(program);
  registerImport(program);
  registerWorker(program);
  registerWebhooks(program);
  registerSecrets(program);
  return program;
}

/** Exit codes: 0 ok, 1 a domain error (bad input, unknown business) or failure, 2 bad configuration. */
function fail(error: unknown): void {
  if (error instanceof ConfigError) {
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exitCode = 2;
  } else if (error instanceof DataDirLocked) {
    // Nothing was written: the command refused before opening the database.
    process.stderr.write(`Error: ${error.message} [database.locked]\n`);
    process.exitCode = 1;
  } else if (error instanceof DomainError) {
    process.stderr.write(`Error: ${error.message} [${error.code}${error.field ? ` at ${error.field}` : ''}]\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`billow failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  fail(error);
}
