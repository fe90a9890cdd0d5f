import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../context.ts';
import { createBusiness, forgetBusiness } from './create-business.ts';

export interface Credentials {
  business_id: string;
  token: string;
}

const CUSTOMERS = [
  { id: 'ct_acme', name: 'Acme Industries Pvt Ltd', email: 'accounts@acme.example', state: 'IN-MH', gstin: '27AAACA1234A1Z5', payment_terms_days: 30, address: { line1: 'Plot 7, MIDC Andheri East', city: 'Mumbai', postal_code: '400093', country: 'IN' } },
  { id: 'ct_beta', name: 'Beta Retail LLP', email: 'billing@beta.example', state: 'IN-KA', gstin: '29AABCB5678B1Z2', payment_terms_days: 15, address: { line1: '4 Residency Road', city: 'Bengaluru', postal_code: '560025', country: 'IN' } },
  { id: 'ct_gamma', name: 'Gamma Exports', email: 'finance@gamma.example', state: 'IN-DL', gstin: null, payment_terms_days: 45, address: { line1: '21 Nehru Place', city: 'New Delhi', postal_code: '110019', country: 'IN' } },
];

const ITEMS = [
  { id: 'it_widget', name: 'Widget', description: 'Standard widget', unit_price: 100_000, tax_rate: '18', hsn_code: '8471' },
  { id: 'it_gadget', name: 'Gadget', description: 'Pocket gadget', unit_price: 25_050, tax_rate: '12', hsn_code: '8517' },
  { id: 'it_support', name: 'Support hours', description: 'On-site support, per hour', unit_price: 500_000, tax_rate: '18', hsn_code: '998314' },
];

/** First start: a GST-registered demo business in Maharashtra with a few customers and items. */
export async function seedDemo(db: Db, clock: () => Date): Promise<Credentials> {
  const { business, token } = await createBusiness(
    { db, clock },
    { name: 'Demo Traders', country: 'IN', state: 'IN-MH', currency: 'INR', gstin: '27AAFCD1234E1Z9', invoice_prefix: 'DT-' },
  );
  const now = clock().toISOString();
  const stamp = { business_id: business.id, created_at: now, updated_at: now };
  await db.transaction().execute(async (tx) => {
    // A profile, so the demo's invoices print everything rule 46 asks for.
    await tx
      .updateTable('businesses')
      .set({ legal_name: 'Demo Traders Private Limited', address: JSON.stringify({ line1: '12 Marine Drive', city: 'Mumbai', postal_code: '400021', country: 'IN' }), terms: 'Payment within the due date, by bank transfer.' })
      .where('id', '=', business.id)
      .execute();
    await tx
      .insertInto('customers')
      .values(CUSTOMERS.map(({ address, ...c }) => ({ ...c, ...stamp, currency: 'INR', billing_address: JSON.stringify(address) })))
      .execute();
    await tx.insertInto('items').values(ITEMS.map((i) => ({ ...i, ...stamp, currency: 'INR' }))).execute();
  });
  forgetBusiness(business.id);
  return { business_id: business.id, token };
}

export function readCredentials(dataDir: string): Credentials | undefined {
  const file = path.join(dataDir, 'credentials.json');
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Credentials;
}

export function writeCredentials(dataDir: string, credentials: Credentials): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'credentials.json'), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
}

/** Seeds only an empty database, so pointing Billow at an existing one never adds a demo tenant. */
export async function ensureDemo(db: Db, dataDir: string, clock: () => Date): Promise<Credentials | undefined> {
  const existing = readCredentials(dataDir);
  if (existing) return existing;
  const any = await db.selectFrom('businesses').select('id').limit(1).executeTakeFirst();
  if (any) return undefined;
  const credentials = await seedDemo(db, clock);
  writeCredentials(dataDir, credentials);
  return credentials;
}
