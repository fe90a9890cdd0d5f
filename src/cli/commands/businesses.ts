import fs from 'node:fs';
import type { Command } from 'commander';
import { invalid } from '../../domain/errors.ts';
import { createBusiness, getBusiness } from '../../modules/businesses/create-business.ts';
import { type LogoType, setBusinessLogo } from '../../modules/businesses/logo.ts';
import { type BusinessPatch, type PostalAddress, updateBusiness } from '../../modules/businesses/update-business.ts';
import type { Context } from '../../modules/context.ts';
import { printJson, withDatabase } from '../database.ts';

interface CreateOptions {
  name: string;
  country: string;
  currency: string;
  state?: string;
  invoicePrefix?: string;
}

interface UpdateOptions {
  name?: string;
  legalName?: string;
  address?: string;
  state?: string;
  gstin?: string;
  taxId?: string;
  locale?: string;
  timeZone?: string;
  invoicePrefix?: string;
  numberReset?: 'never' | 'fiscal_year';
  footer?: string;
  terms?: string;
  logo?: string;
}

/** Options given on the command line; an empty string clears an optional field. */
function patchOf(options: UpdateOptions): BusinessPatch {
  const clearable = (value: string | undefined) => (value === undefined ? undefined : value === '' ? null : value);
  const fields: BusinessPatch = {
    name: options.name,
    legal_name: clearable(options.legalName),
    address: options.address === undefined ? undefined : options.address === '' ? null : parseAddress(options.address),
    state: clearable(options.state),
    gstin: clearable(options.gstin),
    tax_id: clearable(options.taxId),
    locale: clearable(options.locale),
    time_zone: clearable(options.timeZone),
    invoice_prefix: options.invoicePrefix,
    number_reset: options.numberReset,
    footer: clearable(options.footer),
    terms: clearable(options.terms),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as BusinessPatch;
}

function parseAddress(json: string): PostalAddress {
  try {
    return JSON.parse(json) as PostalAddress;
  } catch {
    throw invalid('--address must be JSON such as {"line1":"12 Marine Drive","city":"Mumbai"}.', 'address');
  }
}

function readLogo(file: string): { contentType: LogoType; data: Buffer } {
  const contentType = /\.png$/i.test(file) ? 'image/png' : /\.jpe?g$/i.test(file) ? 'image/jpeg' : undefined;
  if (!contentType) throw invalid('--logo must be a .png or .jpg file.', 'logo');
  return { contentType, data: fs.readFileSync(file) };
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
  businesses
    .command('update')
    .description("Change a business's profile (what its documents print) and print it; an empty value clears an optional field.")
    .requiredOption('--id <id>', 'business id')
    .option('--name <name>', 'display name')
    .option('--legal-name <name>', 'legal name printed as the supplier')
    .option('--address <json>', 'postal address as JSON: line1, line2, city, state, postal_code, country')
    .option('--state <code>', 'state code, e.g. IN-MH')
    .option('--gstin <gstin>', 'GSTIN (Indian businesses)')
    .option('--tax-id <id>', 'VAT or other tax id (other countries)')
    .option('--locale <locale>', 'BCP 47 locale for amounts and dates, e.g. en-IN, de-DE')
    .option('--time-zone <zone>', 'IANA time zone, e.g. Asia/Kolkata')
    .option('--invoice-prefix <prefix>', 'invoice number prefix')
    .option('--number-reset <reset>', 'never or fiscal_year')
    .option('--footer <text>', 'footer printed on every document')
    .option('--terms <text>', 'terms printed on invoices')
    .option('--logo <file>', 'PNG or JPEG logo file')
    .addHelpText('after', '\nExample:\n  billow businesses update --id <id> --legal-name "Acme Pvt Ltd" --gstin 27AAFCA1234E1Z9 --address \'{"line1":"12 Marine Drive","city":"Mumbai"}\'\n')
    .action(async (options: UpdateOptions & { id: string }) => {
      const business = await withDatabase(async ({ database }) => {
        const ctx: Context = { db: database.db, businessId: options.id, principal: { id: 'cli', name: 'billow CLI', type: 'admin' }, clock: () => new Date(), baseUrl: '' };
        await updateBusiness(ctx, options.id, patchOf(options));
        if (options.logo) await setBusinessLogo(ctx, options.id, readLogo(options.logo));
        return getBusiness(database.db, options.id);
      });
      printJson(business);
    });
}
