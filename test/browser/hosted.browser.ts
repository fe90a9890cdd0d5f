import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { sharedDatabase, testConfig } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem } from '../helpers/factories.ts';

/**
 * The hosted invoice page in a real browser (Debian's Chromium): it shows what the PDF shows,
 * supplied text stays inert, and the PDF link downloads. Screenshots at desktop and mobile
 * widths go to test/artifacts/ (git-ignored). Run by `npm run test:browser`.
 */
let app: FastifyInstance;
let baseUrl: string;
const ARTIFACTS = path.resolve('test/artifacts');

beforeAll(async () => {
  const database = await sharedDatabase();
  app = await buildApp({ db: database.db, config: testConfig() });
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(() => app.close());

describe('hosted invoice page in Chromium', () => {
  it('shows the GST invoice fields, runs no injected script, downloads the PDF and fits desktop and mobile', async () => {
    const tenant = await createBusiness(app, { name: 'Browser Traders' });
    const profile = await tenant.request('PATCH', `/api/v1/businesses/${tenant.id}`, {
      gstin: '27AAFCB1234E1Z9',
      address: { line1: '12 Marine Drive', city: 'Mumbai', postal_code: '400021' },
    });
    expect(profile.statusCode, profile.body).toBe(200);
    await createCustomer(tenant, { id: 'ct_x', name: '<img src=x onerror="window.pwned=1">Xavier 株式会社 Ελλάδα', state: 'IN-KA', gstin: '29AABCX1234B1Z2' });
    await createItem(tenant, { id: 'it_x', name: 'Gizmo हिन्दी', unit_price: 250_000, tax_rate: 18, hsn_code: '8471' });
    const created = await tenant.post('/api/v1/invoices', { customer_id: 'ct_x', place_of_supply: 'IN-KA', auto_approve: true, line_items: [{ item_id: 'it_x', quantity: 2 }] });
    const invoice = created.json();
    const hosted = `${baseUrl}${new URL(invoice.hosted_invoice_url).pathname}`;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(hosted);
      await expect(page.title()).resolves.toContain(invoice.number);
      expect(await page.locator('h1').textContent()).toBe('Browser Traders');
      expect(await page.getByTestId('number').textContent()).toBe(invoice.number);
      expect(await page.getByTestId('status').textContent()).toBe('Open');
      expect(await page.getByTestId('customer').textContent()).toContain('<img src=x onerror="window.pwned=1">Xavier 株式会社 Ελλάδα');
      const body = (await page.locator('main').textContent()) ?? '';
      for (const expected of ['TAX INVOICE', 'Original for recipient', 'GSTIN: 27AAFCB1234E1Z9', 'GSTIN: 29AABCX1234B1Z2', '12 Marine Drive', 'Karnataka (29)', 'Gizmo हिन्दी', '8471', 'IGST', 'HSN/SAC summary', 'Authorised signatory']) {
        expect(body, expected).toContain(expected);
      }
      expect(await page.getByTestId('totals').textContent()).toContain('₹5,900.00');
      expect(await page.getByTestId('amount-in-words').textContent()).toContain('Rupees Five Thousand Nine Hundred Only');
      expect(await page.evaluate('typeof window.pwned')).toBe('undefined');
      expect(dialogs).toEqual([]);
      await page.screenshot({ path: path.join(ARTIFACTS, 'hosted-desktop.png'), fullPage: true });

      await page.setViewportSize({ width: 390, height: 844 });
      // On a phone the page itself does not scroll sideways; only the line table may.
      const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(ARTIFACTS, 'hosted-mobile.png'), fullPage: true });

      const href = await page.getByTestId('download-pdf').getAttribute('href');
      const pdf = await page.request.get(new URL(href as string, hosted).toString());
      expect(pdf.status()).toBe(200);
      expect(pdf.headers()['content-type']).toBe('application/pdf');
      expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await browser.close();
    }
  });
});
