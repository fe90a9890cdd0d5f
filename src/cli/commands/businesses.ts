import type { Command } from 'commander';
import { createBusiness } from '../../modules/businesses/create-business.ts';
import { printJson, withDatabase } from '../database.ts';

interface CreateOptions {
  name: string;
  country: string;
  currency: string;
  state?: string;
  invoicePrefix?: string;
}

export function registerBusinesses(program: Command): void {
  const businesses = program.command('businesses').description('Manage businesses (tenants).');
  businesses
    .command('create')
    .description('Create a business with its chart of accounts and print it with an owner token holding every scope (shown once).')
    .requiredOption('--name <name>', 'business name')
    .requiredOption('--country <code>', 'ISO 3166-1 alpha-2 country code, e.g. IN or US')
    .requiredOption('--currency <code>', 'ISO 4217 currency code, e.g. INR or USD')
    .option('--state <code>', 'state code, required for IN (GST), e.g. IN-MH')
    .option('--invoice-prefix <prefix>', 'invoice number prefix (letters, digits, / and -)', 'INV-')
    .addHelpText('after', '\nExample:\n  billow businesses create --name "Acme" --country IN --state IN-MH --currency INR --invoice-prefix AC-\n')
    .action(async (options: CreateOptions) => {
      const result = await withDatabase(({ database }) =>
        createBusiness(
          { db: database.db, clock: () => new Date() },
          {
            name: options.name,
            country: options.country,
            currency: options.currency,
            state: options.state ?? null,
            invoice_prefix: options.invoicePrefix,
          },
        ),
      );
      printJson(result);
    });
}
