import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { sharedDatabase, testConfig } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem } from '../helpers/factories.ts';

/**
 * The hosted invoice page in a real browser (Debian's Chromium): it renders as an invoice,
 * supplied text stays inert, and the PDF link downloads. Run by `npm run test:browser`.
 */
let app: FastifyInstance;
let baseUrl: string;

beforeAll(async () => {
  const database = await sharedDatabase();
  app = await buildApp({ db: database.db, config: testConfig() });
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(() => app.close());

describe('hosted invoice page in Chromium', () => {
  it('shows the invoice, runs no injected script and downloads the PDF', async () => {
    const tenant = await createBusiness(app, { name: 'Browser Traders' });
    await createCustomer(tenant, { id: 'ct_x', name: '<img src=x onerror="window.pwned=1">Xavier', state: 'IN-KA' });
    await createItem(tenant, { id: 'it_x', name: 'Gizmo', unit_price: 250_000, tax_rate: 18 });
    const created = await tenant.post('/api/v1/invoices', { customer_id: 'ct_x', place_of_supply: 'IN-KA', auto_approve: true, line_items: [{ item_id: 'it_x', quantity: 2 }] });
    const invoice = created.json();
    const hosted = `${baseUrl}${new URL(invoice.hosted_invoice_url).pathname}`;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
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
      expect(await page.getByTestId('customer').textContent()).toContain('<img src=x onerror="window.pwned=1">Xavier');
      expect(await page.getByTestId('totals').textContent()).toContain('INR 5,900.00');
      expect(await page.evaluate('typeof window.pwned')).toBe('undefined');
      expect(dialogs).toEqual([]);
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
