import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { expectDetail } from '../helpers/assertions.ts';
import { createBusiness, createCustomer, createItem, type Tenant } from '../helpers/factories.ts';

let env: TestEnv;
let tenant: Tenant;
let invoice: Json;

const pathOf = (url: string) => new URL(url).pathname;

beforeAll(async () => {
  env = await testApp({ publicUrl: 'https://billow.example' });
  tenant = await createBusiness(env.app, { name: 'Hosted <Traders> & Co' });
  await createCustomer(tenant, { id: 'ct_evil', name: '<script>alert("x")</script> Evil', email: 'evil@example.com', state: 'IN-MH' });
  await createItem(tenant, { id: 'it_w', name: 'Widget <b>', unit_price: 33_333, tax_rate: 18 });
  const created = await tenant.post('/api/v1/invoices', {
    customer_id: 'ct_evil',
    place_of_supply: 'IN-MH',
    auto_approve: true,
    description: '<img src=x onerror=alert(1)>',
    line_items: [{ item_id: 'it_w', quantity: 3 }],
  });
  expect(created.statusCode, created.body).toBe(201);
  invoice = created.json();
});
afterAll(() => env.app.close());

describe('hosted invoice page', () => {
  it('gives every invoice absolute PDF and hosted URLs on the public base URL', () => {
    expect(invoice.pdf_url).toBe(`https://billow.example/api/v1/invoices/${invoice.id}/pdf`);
    expect(invoice.hosted_invoice_url).toMatch(new RegExp(`^https://billow.example/i/${tenant.id}/[A-Za-z0-9_-]{32}$`));
  });

  it('serves the invoice as HTML without auth, with business, customer, number, status, lines and totals', async () => {
    const page = await env.app.inject({ url: pathOf(invoice.hosted_invoice_url) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    const html = page.body;
    expect(html).toContain('Hosted &lt;Traders&gt; &amp; Co');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Evil');
    expect(html).toContain(invoice.number);
    expect(html).toContain('Open');
    expect(html).toContain('Widget &lt;b&gt;');
    expect(html).toContain('₹1,179.99');
    expect(html).toContain('CGST');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<script|<img|<b>/);
  });

  it('links to a PDF that downloads without auth', async () => {
    const page = await env.app.inject({ url: pathOf(invoice.hosted_invoice_url) });
    const href = /href="([^"]+\/pdf)"/.exec(page.body)?.[1];
    expect(href).toBeDefined();
    const pdf = await env.app.inject({ url: href as string });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('answers 404 for a wrong token or another business, never revealing the invoice', async () => {
    const path = pathOf(invoice.hosted_invoice_url);
    const wrongToken = await env.app.inject({ url: `${path.slice(0, -4)}AAAA` });
    expect(wrongToken.statusCode).toBe(404);
    const other = await createBusiness(env.app);
    const otherBusiness = await env.app.inject({ url: path.replace(tenant.id, other.id) });
    expect(otherBusiness.statusCode).toBe(404);
    const malformed = await env.app.inject({ url: `/i/${tenant.id}/short` });
    expect(malformed.statusCode).toBe(404);
    // A customer's wrong link is a small HTML page, not an API error quoting a pattern.
    for (const response of [wrongToken, otherBusiness, malformed, await env.app.inject({ url: `/i/${tenant.id}/short/pdf` })]) {
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toContain('This link does not lead to a document');
      expect(response.body).not.toMatch(/pattern|\^\[A-Za-z/);
    }
  });
});

describe('GET /api/v1/invoices/{id}/pdf', () => {
  it('returns the PDF to the owner', async () => {
    const pdf = await tenant.get(`/api/v1/invoices/${invoice.id}/pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toContain(`${invoice.number}.pdf`);
    expect(pdf.rawPayload.length).toBeGreaterThan(1000);
  });

  it('needs a token, and another business gets 404', async () => {
    const anonymous = await env.app.inject({ url: `/api/v1/invoices/${invoice.id}/pdf` });
    expect(anonymous.statusCode).toBe(401);
    const other = await createBusiness(env.app);
    const cross = await other.get(`/api/v1/invoices/${invoice.id}/pdf`);
    expect(cross.statusCode).toBe(404);
  });
});

describe('web fonts of the hosted page', () => {
  it('serves the @font-face rules and the WOFF2 slices they name, publicly and long-cached; any other name is 404', async () => {
    const page = await env.app.inject({ url: pathOf(invoice.hosted_invoice_url) });
    expect(page.body).toContain('<link rel="stylesheet" href="/assets/fonts.css">');
    expect(page.headers['content-security-policy']).toContain("font-src 'self'");
    const css = await env.app.inject({ url: '/assets/fonts.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toContain('immutable');
    const url = /url\((\/assets\/fonts\/noto-sans-sc-[0-9]+-400-normal\.woff2)\)/.exec(css.body)?.[1];
    expect(url).toBeDefined();
    expect(css.body).toContain('unicode-range:U+');
    const font = await env.app.inject({ url: url as string });
    expect(font.statusCode).toBe(200);
    expect(font.headers['content-type']).toBe('font/woff2');
    expect(font.rawPayload.subarray(0, 4).toString('latin1')).toBe('wOF2');
    expectDetail(await env.app.inject({ url: '/assets/fonts/unknown-font.woff2' }), 404);
    expect((await env.app.inject({ url: '/assets/fonts/..%2Fpackage.json' })).statusCode).toBe(422);
  });
});
