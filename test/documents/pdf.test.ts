import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem, createVendor, type Tenant } from '../helpers/factories.ts';
import { getPdf, gstProfile, pdfPages, pdfText } from './support.ts';

let env: TestEnv;

beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

async function invoice(tenant: Tenant, body: Json): Promise<Json> {
  const response = await tenant.post('/api/v1/invoices', { auto_approve: true, ...body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** Every customer-supplied line of a rule 46 invoice, as pdftotext gives it back. */
async function gstSetup(customerState: string, customerGstin: string) {
  const tenant = await createBusiness(env.app, { invoice_prefix: 'ST-' });
  await gstProfile(tenant);
  await createCustomer(tenant, {
    id: 'ct_buyer',
    name: 'Kaveri Retail LLP',
    email: 'accounts@kaveri.example',
    state: customerState,
    gstin: customerGstin,
    billing_address: { line1: '4 Residency Road', city: 'Bengaluru', postal_code: '560025', country: 'IN' },
  });
  await createItem(tenant, { id: 'it_laptop', name: 'Laptop stand', unit_price: 150_000, tax_rate: 18, hsn_code: '8473' });
  await createItem(tenant, { id: 'it_support', name: 'Installation service', unit_price: 50_000, tax_rate: 12, hsn_code: '998314' });
  return tenant;
}

describe('GST tax invoice PDF (rule 46)', () => {
  it('intra-state: supplier and recipient with addresses and GSTINs, per-line CGST and SGST, totals and amount in words', async () => {
    const tenant = await gstSetup('IN-MH', '27AABCK5678B1Z2');
    const created = await invoice(tenant, {
      customer_id: 'ct_buyer',
      place_of_supply: 'IN-MH',
      line_items: [
        { item_id: 'it_laptop', quantity: 2 },
        { item_id: 'it_support', quantity: 1 },
      ],
    });
    const text = await pdfText(await getPdf(tenant, created.id));
    for (const expected of [
      'TAX INVOICE',
      'Original for recipient',
      created.number,
      'Sharma Traders Private Limited',
      '12 Marine Drive',
      'Mumbai, 400021',
      'GSTIN: 27AAFCS1234E1Z9',
      'Kaveri Retail LLP',
      '4 Residency Road',
      'Bengaluru, 560025',
      'GSTIN: 27AABCK5678B1Z2',
      'Place of supply Maharashtra (27)',
      'Laptop stand',
      'Installation service',
      '8473',
      '998314',
      'CGST',
      'SGST',
      '@9%',
      '@6%',
      '₹1,500.00',
      '₹3,000.00',
      '₹270.00', // CGST 9% of 3,000 on line 1
      '₹30.00', // CGST 6% of 500 on line 2
      '₹3,500.00', // taxable value
      '₹4,100.00', // total = 3,500 + 2 × 270 + 2 × 30
      'Rupees Four Thousand One Hundred Only',
      'HSN/SAC summary',
      'Authorised signatory',
      'Terms: Payment within 30 days.',
      'Thank you for your business.',
    ]) {
      expect(text, expected).toContain(expected);
    }
    expect(text).not.toContain('IGST');
  });

  it('inter-state: IGST per line at the full rate, place of supply names the other state', async () => {
    const tenant = await gstSetup('IN-KA', '29AABCK5678B1Z2');
    const created = await invoice(tenant, { customer_id: 'ct_buyer', place_of_supply: 'IN-KA', line_items: [{ item_id: 'it_laptop', quantity: 1, discount_percent: 10 }] });
    const text = await pdfText(await getPdf(tenant, created.id));
    for (const expected of [
      created.number,
      'GSTIN: 27AAFCS1234E1Z9',
      'GSTIN: 29AABCK5678B1Z2',
      'State: Karnataka (29)',
      'Place of supply Karnataka (29)',
      'IGST',
      '@18%',
      '₹150.00', // discount
      '₹1,350.00', // taxable
      '₹243.00', // IGST
      '₹1,593.00',
      'Rupees One Thousand Five Hundred Ninety Three Only',
    ]) {
      expect(text, expected).toContain(expected);
    }
    expect(text).not.toMatch(/CGST|SGST/);
  });
});

describe('party details as issued', () => {
  it("keeps the recipient's address and GSTIN of the day the invoice was created, whatever the customer record says later", async () => {
    const tenant = await gstSetup('IN-KA', '29AABCK5678B1Z2');
    const created = await invoice(tenant, { customer_id: 'ct_buyer', place_of_supply: 'IN-KA', line_items: [{ item_id: 'it_laptop', quantity: 1 }] });
    const moved = await tenant.request('PATCH', '/api/v1/customers/ct_buyer', { billing_address: { line1: '99 New Street', city: 'Chennai' }, state: 'IN-TN', gstin: '33AABCK5678B1Z2' });
    expect(moved.statusCode, moved.body).toBe(200);
    const text = await pdfText(await getPdf(tenant, created.id));
    expect(text).toContain('4 Residency Road');
    expect(text).toContain('GSTIN: 29AABCK5678B1Z2');
    expect(text).not.toContain('99 New Street');
  });
});

describe('non-GST invoice PDF (EU VAT art. 226 fields)', () => {
  it('a US business: tax ids and addresses of both parties, tax per rate, dollars in words', async () => {
    const tenant = await createBusiness(env.app, { country: 'US', state: 'US-CA', currency: 'USD' });
    const patch = await tenant.request('PATCH', `/api/v1/businesses/${tenant.id}`, {
      legal_name: 'Pacific Widgets Inc.',
      tax_id: 'US-94-1234567',
      address: { line1: '1 Market St', city: 'San Francisco', state: 'CA', postal_code: '94105', country: 'US' },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    await createCustomer(tenant, { id: 'ct_us', name: 'Globex Corp', state: null, gstin: null, billing_address: { line1: '9 Elm Ave', city: 'Springfield', country: 'US' } });
    await createItem(tenant, { id: 'it_a', name: 'Consulting hour', unit_price: 123_456, tax_rate: 8.25, hsn_code: null });
    const created = await invoice(tenant, { customer_id: 'ct_us', line_items: [{ item_id: 'it_a', quantity: 1 }] });
    const text = await pdfText(await getPdf(tenant, created.id));
    for (const expected of [
      'INVOICE',
      created.number,
      'Pacific Widgets Inc.',
      'VAT ID: US-94-1234567',
      '1 Market St',
      'Globex Corp',
      '9 Elm Ave',
      'Consulting hour',
      '$1,234.56',
      '@8.25%',
      '$101.85',
      '$1,336.41',
      'Tax by rate',
      'One Thousand Three Hundred Thirty Six Dollars and Forty One Cents Only',
    ]) {
      expect(text, expected).toContain(expected);
    }
    expect(text).not.toMatch(/TAX INVOICE|GSTIN|HSN/);
  });
});

describe('every script', () => {
  it('Latin, Greek, Cyrillic, Devanagari, Tamil, CJK and Arabic come back from the PDF as typed', async () => {
    const tenant = await createBusiness(env.app);
    const names = {
      customer: '株式会社テスト — Ελλάδα',
      street: 'मुख्य सड़क 5',
      city: 'Москва',
      line1: 'Überweisung – 测试',
      line2: 'தமிழ் வணக்கம்',
      line3: 'مرحبا بالعالم',
    };
    await createCustomer(tenant, { id: 'ct_intl', name: names.customer, state: 'IN-MH', billing_address: { line1: names.street, city: names.city } });
    const created = await invoice(tenant, {
      customer_id: 'ct_intl',
      place_of_supply: 'IN-MH',
      line_items: [
        { name: names.line1, quantity: 1, unit_price: 10_000, tax_rate: 18 },
        { name: names.line2, quantity: 1, unit_price: 10_000, tax_rate: 18 },
        { name: names.line3, quantity: 1, unit_price: 10_000, tax_rate: 18 },
      ],
    });
    const text = await pdfText(await getPdf(tenant, created.id));
    for (const value of Object.values(names)) expect(text, value).toContain(value);
    expect(text).toContain('₹354.00');
  });
});

describe('long invoices and marks', () => {
  it('a 500-line invoice runs over several pages, each with the table header and "Page N of M"', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomer(tenant, { id: 'ct_long', name: 'Long Buyer' });
    const lines = Array.from({ length: 500 }, (_, i) => ({ name: `Part ${String(i + 1).padStart(3, '0')}`, quantity: 1, unit_price: 1_000, tax_rate: 18, hsn_code: '8471' }));
    const created = await invoice(tenant, { customer_id: 'ct_long', place_of_supply: 'IN-MH', line_items: lines });
    const pages = await pdfPages(await getPdf(tenant, created.id));
    expect(pages.length).toBeGreaterThan(5);
    pages.forEach((page, i) => {
      expect(page, `page ${i + 1}`).toContain(`Page ${i + 1} of ${pages.length}`);
      expect(page, `page ${i + 1}`).toContain(created.number);
    });
    // Every page that carries lines starts them under a repeated header row.
    const withLines = pages.filter((page) => /Part \d{3}/.test(page));
    expect(withLines.length).toBeGreaterThan(5);
    for (const page of withLines) expect(page).toContain('Taxable value');
    const all = pages.join('\n');
    for (const line of lines) expect(all).toContain(line.name);
    expect(all).toContain('₹5,900.00');
  });

  it('a 10-line Latin invoice stays under 60 KB', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomer(tenant, { id: 'ct_small', name: 'Small Buyer' });
    const lines = Array.from({ length: 10 }, (_, i) => ({ name: `Widget model ${i + 1}`, description: 'Aluminium, anodised', quantity: i + 1, unit_price: 12_345, tax_rate: 18, hsn_code: '8471' }));
    const created = await invoice(tenant, { customer_id: 'ct_small', place_of_supply: 'IN-MH', line_items: lines });
    const pdf = await getPdf(tenant, created.id);
    expect(pdf.length).toBeLessThanOrEqual(60 * 1024);
  });

  it('marks drafts, paid and void invoices; bills print the vendor as supplier', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomer(tenant, { id: 'ct_m', name: 'Mark Buyer' });
    const body = { customer_id: 'ct_m', place_of_supply: 'IN-MH', line_items: [{ name: 'Thing', quantity: 1, unit_price: 1_000, tax_rate: 0 }] };
    const draft = await invoice(tenant, { ...body, auto_approve: false });
    expect(await pdfText(await getPdf(tenant, draft.id))).toContain('DRAFT');
    const paid = await invoice(tenant, body);
    const payment = await tenant.post(`/api/v1/invoices/${paid.id}/payments`, { amount: 1_000 });
    expect(payment.statusCode, payment.body).toBe(201);
    expect(await pdfText(await getPdf(tenant, paid.id))).toContain('PAID');
    const voided = await invoice(tenant, body);
    expect((await tenant.post(`/api/v1/invoices/${voided.id}/void`)).statusCode).toBe(200);
    expect(await pdfText(await getPdf(tenant, voided.id))).toContain('VOID');

    await createVendor(tenant, { id: 'vd_1', name: 'Ramesh Supplies', gstin: '27AAACR1111A1Z1' });
    const bill = await tenant.post('/api/v1/bills', { vendor_id: 'vd_1', bill_number: 'RS/77', place_of_supply: 'IN-MH', line_items: [{ name: 'Paper', quantity: 1, unit_price: 5_000, tax_rate: 12 }] });
    expect(bill.statusCode, bill.body).toBe(201);
    const billPdf = await tenant.get(`/api/v1/bills/${bill.json().id}/pdf`);
    expect(billPdf.statusCode).toBe(200);
    const text = await pdfText(billPdf.rawPayload);
    for (const expected of ['BILL', 'RS/77', 'Ramesh Supplies', 'GSTIN: 27AAACR1111A1Z1', 'Paper', '₹56.00']) expect(text, expected).toContain(expected);
  });
});
