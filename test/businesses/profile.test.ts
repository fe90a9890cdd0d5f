import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testApp } from '../helpers/app.ts';
import { expect422, expectDetail } from '../helpers/assertions.ts';
import { createBusiness, createCustomer, type Tenant } from '../helpers/factories.ts';
import { pdfText } from '../documents/support.ts';
import { bearer, limitedToken } from '../foundation/support.ts';

let env: TestEnv;

beforeAll(async () => {
  env = await testApp({ publicUrl: 'https://billow.example' });
});
afterAll(() => env.app.close());

const patch = (tenant: Tenant, body: unknown, id = tenant.id) => tenant.request('PATCH', `/api/v1/businesses/${id}`, body);

// The smallest valid PNG: 1×1 transparent pixel.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const putLogo = (tenant: Tenant, body: Buffer, contentType: string, id = tenant.id) =>
  env.app.inject({ method: 'PUT', url: `/api/v1/businesses/${id}/logo`, headers: { ...tenant.headers, 'content-type': contentType }, payload: body });

describe('GET/PATCH /api/v1/businesses/{id}', () => {
  it('returns the profile and changes the fields given, null clearing optional ones', async () => {
    const tenant = await createBusiness(env.app, { name: 'Profile Co' });
    const before = await tenant.get(`/api/v1/businesses/${tenant.id}`);
    expect(before.statusCode, before.body).toBe(200);
    expect(before.json()).toMatchObject({ id: tenant.id, name: 'Profile Co', legal_name: null, address: null, locale: null, logo_url: null });

    const address = { line1: '12 Marine Drive', city: 'Mumbai', postal_code: '400021', country: 'IN' };
    const changed = await patch(tenant, {
      legal_name: 'Profile Company Private Limited',
      address,
      gstin: '27AAFCP1234E1Z9',
      locale: 'en-IN',
      time_zone: 'Asia/Kolkata',
      invoice_prefix: 'PC/',
      number_reset: 'fiscal_year',
      footer: 'Registered office: Mumbai',
      terms: 'Net 30',
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ legal_name: 'Profile Company Private Limited', address, gstin: '27AAFCP1234E1Z9', locale: 'en-IN', invoice_prefix: 'PC/', number_reset: 'fiscal_year' });
    expect((await tenant.get(`/api/v1/businesses/${tenant.id}`)).json()).toMatchObject({ time_zone: 'Asia/Kolkata', footer: 'Registered office: Mumbai', terms: 'Net 30' });

    const cleared = await patch(tenant, { legal_name: null, footer: null });
    expect(cleared.json()).toMatchObject({ legal_name: null, footer: null, terms: 'Net 30' });

    // The next invoice carries the new prefix and fiscal year, and prints the profile.
    await createCustomer(tenant, { id: 'ct_p', name: 'Buyer' });
    const invoice = await tenant.post('/api/v1/invoices', { customer_id: 'ct_p', place_of_supply: 'IN-MH', auto_approve: true, line_items: [{ name: 'X', quantity: 1, unit_price: 100, tax_rate: 0 }] });
    expect(invoice.json().number).toMatch(/^PC\//);
    const text = await pdfText((await tenant.get(`/api/v1/invoices/${invoice.json().id}/pdf`)).rawPayload);
    expect(text).toContain('12 Marine Drive');
    expect(text).toContain('GSTIN: 27AAFCP1234E1Z9');
  });

  it('a change applies to the very next invoice, also right after one was created (nothing stale is reused)', async () => {
    const tenant = await createBusiness(env.app, { name: 'Prefix Co' });
    await createCustomer(tenant, { id: 'ct_q', name: 'Buyer' });
    const invoice = () =>
      tenant.post('/bulk/invoices', { invoices: [{ customer_id: 'ct_q', place_of_supply: 'IN-MH', auto_approve: true, line_items: [{ name: 'X', quantity: 1, unit_price: 100, tax_rate: 0 }] }] });
    const numberOf = async () => (await invoice()).json().results[0].invoice.number as string;
    expect(await numberOf()).not.toMatch(/^Q1-/);
    expect((await patch(tenant, { invoice_prefix: 'Q1-' })).statusCode).toBe(200);
    expect(await numberOf()).toMatch(/^Q1-/);
    expect((await patch(tenant, { invoice_prefix: 'Q2-' })).statusCode).toBe(200);
    expect(await numberOf()).toMatch(/^Q2-/);
  });

  it('formats amounts in the business locale', async () => {
    const tenant = await createBusiness(env.app, { country: 'DE', state: null, currency: 'EUR' });
    expect((await patch(tenant, { locale: 'de-DE', tax_id: 'DE123456789' })).statusCode).toBe(200);
    await createCustomer(tenant, { id: 'ct_de', name: 'Käufer GmbH', state: null });
    const invoice = await tenant.post('/api/v1/invoices', { customer_id: 'ct_de', auto_approve: true, line_items: [{ name: 'Ware', quantity: 1, unit_price: 123_456, tax_rate: 19 }] });
    expect(invoice.statusCode, invoice.body).toBe(201);
    const page = await env.app.inject({ url: new URL(invoice.json().hosted_invoice_url).pathname });
    expect(page.body).toContain('1.234,56\u00a0€');
    expect(page.body).toContain('VAT ID: DE123456789');
    expect(page.body).toContain('lang="de-DE"');
  });

  it('rejects a bad locale, time zone, GSTIN of another state, GSTIN abroad, unknown or empty input (422)', async () => {
    const tenant = await createBusiness(env.app);
    expect422(await patch(tenant, { locale: 'not a locale!' }), ['body', 'locale']);
    expect422(await patch(tenant, { time_zone: 'Mars/Olympus' }), ['body', 'time_zone']);
    expect422(await patch(tenant, { gstin: '29AAFCP1234E1Z9' }), ['body', 'gstin']);
    expect422(await patch(tenant, { state: 'IN-XX' }), ['body', 'state']);
    expect422(await patch(tenant, { country: 'US' }), ['body', 'country']);
    expect422(await patch(tenant, {}), ['body']);
    expect422(await patch(tenant, { invoice_prefix: 'A-VERY-LONG' }), ['body', 'invoice_prefix']);
    const abroad = await createBusiness(env.app, { country: 'US', state: null, currency: 'USD' });
    expect422(await patch(abroad, { gstin: '27AAFCP1234E1Z9' }), ['body', 'gstin']);
  });

  it("answers 404 for another business's id, 401 without a token and 403 without businesses.UPDATE", async () => {
    const tenant = await createBusiness(env.app);
    const other = await createBusiness(env.app);
    expectDetail(await tenant.get(`/api/v1/businesses/${other.id}`), 404);
    expectDetail(await patch(tenant, { legal_name: 'Hijack' }, other.id), 404);
    expect((await other.get(`/api/v1/businesses/${other.id}`)).json().legal_name).toBeNull();
    const anonymous = await env.app.inject({ method: 'PATCH', url: `/api/v1/businesses/${tenant.id}`, payload: { legal_name: 'X' } });
    expect(anonymous.statusCode).toBe(401);
    const { token } = await limitedToken(env, tenant, ['invoices.READ']);
    const headers = { ...bearer(token), 'x-business-id': tenant.id };
    expectDetail(await env.app.inject({ method: 'PATCH', url: `/api/v1/businesses/${tenant.id}`, headers, payload: { legal_name: 'X' } }), 403);
    expect((await env.app.inject({ url: `/api/v1/businesses/${tenant.id}`, headers })).statusCode).toBe(200);
  });
});

describe('business logo', () => {
  it('uploads a PNG, serves it, prints it on the page, and deletes it', async () => {
    const tenant = await createBusiness(env.app);
    const uploaded = await putLogo(tenant, PNG, 'image/png');
    expect(uploaded.statusCode, uploaded.body).toBe(200);
    expect(uploaded.json().logo_url).toBe(`https://billow.example/api/v1/businesses/${tenant.id}/logo`);
    const logo = await tenant.get(`/api/v1/businesses/${tenant.id}/logo`);
    expect(logo.statusCode).toBe(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect(logo.rawPayload.equals(PNG)).toBe(true);

    await createCustomer(tenant, { id: 'ct_l', name: 'Buyer' });
    const invoice = (await tenant.post('/api/v1/invoices', { customer_id: 'ct_l', place_of_supply: 'IN-MH', auto_approve: true, line_items: [{ name: 'X', quantity: 1, unit_price: 100, tax_rate: 0 }] })).json();
    const page = await env.app.inject({ url: new URL(invoice.hosted_invoice_url).pathname });
    expect(page.body).toContain(`src="data:image/png;base64,${PNG.toString('base64')}"`);
    const pdf = await tenant.get(`/api/v1/invoices/${invoice.id}/pdf`);
    expect(pdf.rawPayload.toString('latin1')).toContain('/Subtype /Image');

    expect((await tenant.request('DELETE', `/api/v1/businesses/${tenant.id}/logo`)).statusCode).toBe(204);
    expect((await tenant.get(`/api/v1/businesses/${tenant.id}`)).json().logo_url).toBeNull();
    expectDetail(await tenant.get(`/api/v1/businesses/${tenant.id}/logo`), 404);
    expectDetail(await tenant.request('DELETE', `/api/v1/businesses/${tenant.id}/logo`), 404);
  });

  it('refuses bytes that are not the declared image (422), other types (415), too large (413), another business (404)', async () => {
    const tenant = await createBusiness(env.app);
    expect422(await putLogo(tenant, Buffer.from('GIF89a not a png'), 'image/png'), ['body']);
    expect((await putLogo(tenant, Buffer.from('GIF89a'), 'image/gif')).statusCode).toBe(415);
    const huge = Buffer.concat([PNG, Buffer.alloc(300 * 1024)]);
    expectDetail(await putLogo(tenant, huge, 'image/png'), 413);
    const other = await createBusiness(env.app);
    expectDetail(await putLogo(tenant, PNG, 'image/png', other.id), 404);
  });
});
