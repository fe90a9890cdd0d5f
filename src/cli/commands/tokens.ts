import type { Command } from 'commander';
import { invalid } from '../../domain/errors.ts';
import { isValidScope } from '../../modules/auth/scopes.ts';
import { createApiToken } from '../../modules/businesses/create-business.ts';
import { printJson, withDatabase } from '../database.ts';

interface CreateOptions {
  business: string;
  name: string;
  scopes: string;
}

/** `customers.*, invoices.READ` → ['customers.*', 'invoices.READ'], each checked before any database work. */
export function parseScopes(list: string): string[] {
  const scopes = list
    .split(',')
    .map((scope) => scope.trim())
    .filter((scope) => scope !== '');
  if (scopes.length === 0) throw invalid('--scopes must name at least one scope, e.g. "*" or "invoices.READ".', 'scopes');
  const unknown = scopes.filter((scope) => !isValidScope(scope));
  if (unknown.length > 0) {
    throw invalid(
      `Invalid scope ${unknown.map((s) => `'${s}'`).join(', ')}: scopes are '*' or <resource>.<ACTION> such as 'customers.*' or 'invoices.READ'.`,
      'scopes',
    );
  }
  return [...new Set(scopes)];
}

export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description('Manage API tokens.');
  tokens
    .command('create')
    .description('Create an API principal on a business and print its token (shown once).')
    .requiredOption('--business <id>', 'id of the business the token reaches')
    .requiredOption('--name <name>', 'name of the API principal, e.g. "billing-sync"')
    .option('--scopes <list>', "comma-separated scopes: '*' or <resource>.<ACTION>, e.g. 'customers.*,invoices.READ'", '*')
    .addHelpText(
      'after',
      '\nResources: invoices, bills, customers, vendors, items, orders, charges, files, webhooks, imports, reports, integrations, banking.\n' +
        'Actions: CREATE, READ, UPDATE, DELETE or *.\n\n' +
        "Example:\n  billow tokens create --business 0190… --name reporting --scopes 'invoices.READ,reports.READ'\n",
    )
    .action(async (options: CreateOptions) => {
      const scopes = parseScopes(options.scopes);
      const issued = await withDatabase(({ database }) =>
        createApiToken(database.db, { businessId: options.business, name: options.name, scopes }),
      );
      printJson({ token: issued.token, principal_id: issued.principalId });
    });
}
