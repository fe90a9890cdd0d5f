import type { Command } from 'commander';
import { keyId, resolveSecretKeys } from '../../modules/secrets/keys.ts';
import { rotateSecrets } from '../../modules/secrets/at-rest.ts';
import { loadConfig } from '../../config.ts';
import { withDatabase } from '../database.ts';

export function registerSecrets(program: Command): void {
  const secrets = program.command('secrets').description('Secrets encrypted at rest (Stripe keys, webhook signing secrets).');
  secrets
    .command('rotate')
    .description(
      'Re-encrypt every stored secret with BILLOW_SECRET_KEY. Set the new key as BILLOW_SECRET_KEY and the old one as BILLOW_SECRET_KEY_PREVIOUS, run this, then drop BILLOW_SECRET_KEY_PREVIOUS.',
    )
    .action(async () => {
      const keys = resolveSecretKeys(loadConfig());
      const result = await withDatabase(({ database }) => rotateSecrets(database.db, keys));
      const from = keys.previous ? ` (BILLOW_SECRET_KEY_PREVIOUS was ${keyId(keys.previous)})` : '';
      process.stdout.write(`Re-encrypted ${result.resealed} secret(s) with key ${result.key_id}${from}.\n`);
    });
}
