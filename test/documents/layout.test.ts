import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, type Tenant } from '../helpers/factories.ts';
import { creditNote } from '../credit-notes/support.ts';
import { ok, pay } from '../invoicing/support.ts';
import { getPdf, gstProfile, pdfText } from './support.ts';

// What a reader of the documents sees: whole amounts, names once, countries by name, how an
// invoice was paid and how a note was settled. Set DOCUMENT_SAMPLES=dir to keep the files
// (HTML pages and PDFs) for a look in a browser and with pdftoppm.

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(async () => {
  await env.app.close();
});

const pathOf = (url: string) => new URL(url).pathname;
const page = async (url: string) => (await env.app.inject({ url: pathOf(url) })).body;
const keep = (name: string, data: string | Buffer) => {
  if (process.env.DOCUMENT_SAMPLES) fs.writeFileSync(`${process.env.DOCUMENT_SAMPLES}/${name}`, data);
};

async function crore(): Promise<{ tenant: Tenant; invoice: Json }> {
  const tenant = await createBusiness(env.app);
  await gstProfile(tenant);
  await createCustomer(tenant, { id: 'ct_big', name: 'Bharat Infra Projects', state: 'IN-KA', billing_address: { line1: '1 MG Road', city: 'Bengaluru', country: 'IN' } });
  const body = {
    customer_id: 'ct_big',
    date: '2026-11-20',
    line_items: [
      { name: 'Turbine overhaul', hsn_code: '8411', quantity: 1, unit_price: 10_000_000_00, tax_rate: 18, discount_percent: 10 },
      { name: 'Site survey', quantity: 2, unit_price: 25_000_00, tax_rate: 18 },
    ],
    auto_approve: true,
  };
  const invoice = ok(await tenant.post('/api/v1/invoices', body), 201);
  return { tenant, invoice };
}

describe('documents', () => {
  it('a crore-sized discounted line: every amount whole on one line of the PDF; payments listed', async () => {
    const { tenant, invoice } = await crore();
    ok(await pay(tenant, invoice.id, { amount: 1_000_000_00, paid_on: '2026-12-01' }), 201);
    const pdf = await getPdf(tenant, invoice.id);
    keep('crore.pdf', pdf);
    const text = await pdfText(pdf, true);
    for (const amount of ['₹1,00,00,000.00', '₹10,00,000.00', '₹90,00,000.00', '₹16,20,000.00', '₹1,06,20,000.00', '₹1,06,79,000.00']) {
      expect(text, amount).toContain(amount);
    }
    expect(text).toMatch(/Paid 1 Dec 2026 \(payment\)/);
    expect(text).toContain('Balance due');
    const html = await page(invoice.hosted_invoice_url);
    keep('crore.html', html);
    expect(html).toContain('Paid 1 Dec 2026 (payment)');
    expect(html).toContain('India');
    expect(html).not.toMatch(/>IN</);
    expect(html).toMatch(/<link rel="icon" href="data:image\/svg\+xml,/);
    expect(html).toContain('data-label="Taxable value"');
  });

  it('a US invoice: each line’s name once, the country by name, no GST fields', async () => {
    const tenant = await createBusiness(env.app, { country: 'US', state: 'US-CA', currency: 'USD' });
    await tenant.request('PATCH', `/api/v1/businesses/${tenant.id}`, { legal_name: 'Pixel Studio LLC', address: { line1: '1 Market St', city: 'San Francisco', country: 'US' } });
    await createCustomer(tenant, { id: 'ct_us', name: 'Acme Inc', state: null, billing_address: { line1: '5 Main St', city: 'Austin', country: 'US' } });
    const invoice = ok(await tenant.post('/api/v1/invoices', { customer_id: 'ct_us', line_items: [{ name: 'Logo design', description: 'Logo design', quantity: 1, unit_price: 120_000, tax_rate: 8.25 }], auto_approve: true }), 201);
    const html = await page(invoice.hosted_invoice_url);
    keep('us.html', html);
    const pdf = await getPdf(tenant, invoice.id);
    keep('us.pdf', pdf);
    const text = await pdfText(pdf);
    expect(text.match(/Logo design/g)).toHaveLength(1);
    expect(html.match(/Logo design/g)).toHaveLength(1);
    expect(text).toContain('United States');
    for (const gstOnly of ['GSTIN', 'HSN', 'Reverse charge', 'Place of supply']) expect(text).not.toContain(gstOnly);
  });

  it('a refunded credit note: the Rate column filled, how it was settled, no payment terms', async () => {
    const { tenant, invoice } = await crore();
    await tenant.request('PATCH', `/api/v1/businesses/${tenant.id}`, { terms: 'Payment within 30 days.' });
    ok(await pay(tenant, invoice.id, { amount: invoice.total }), 201);
    const line = invoice.line_items[1];
    const note = ok(await creditNote(tenant, invoice.id, { reason: 'sales_return', lines: [{ line_id: line.id, quantity: 1 }], refund_amount: 29_500_00 }), 201);
    const html = await page(note.hosted_url);
    keep('credit-note.html', html);
    const pdf = await (await env.app.inject({ url: `${pathOf(note.hosted_url)}/pdf` })).rawPayload;
    keep('credit-note.pdf', pdf);
    const text = await pdfText(pdf);
    expect(html).toContain('₹29,500.00 refunded');
    expect(text).toContain('₹29,500.00 refunded');
    expect(html).toMatch(/data-label="Rate" dir="auto">₹25,000.00</);
    expect(text).not.toContain('Payment within 30 days');
  });
});
