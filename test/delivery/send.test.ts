import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailHandler } from '../../src/jobs/mail.ts';
import { startWorkers, type WorkerLog, type Workers } from '../../src/jobs/runner.ts';
import { describeMail } from '../../src/modules/delivery/mailer.ts';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { expect422, expectDetail, eventsOf } from '../helpers/assertions.ts';
import { createBusiness, createCustomer, type Tenant } from '../helpers/factories.ts';
import { pdfText } from '../documents/support.ts';
import { startSmtp, type TestSmtp, until } from './support.ts';

const quiet: WorkerLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

let env: TestEnv;
let smtp: TestSmtp;
let workers: Workers;
let tenant: Tenant;

beforeAll(async () => {
  smtp = await startSmtp();
  env = await testApp({ smtpUrl: smtp.url, mailFrom: 'Billing <billing@billow.test>', publicUrl: 'https://billow.example' });
  workers = await startWorkers({ database: env.database, config: env.config, handlers: [mailHandler({ backoffMs: () => 100 })], log: quiet, pollMs: 50 });
  tenant = await createBusiness(env.app, { name: 'Mailing Traders' });
  await createCustomer(tenant, { id: 'ct_mail', name: 'Mail Buyer', email: 'buyer@example.com' });
  await createCustomer(tenant, { id: 'ct_silent', name: 'No Email Buyer', email: null });
});
afterAll(async () => {
  await workers.stop();
  await env.app.close();
  await smtp.close();
});

async function invoice(customer = 'ct_mail', approve = true): Promise<Json> {
  const response = await tenant.post('/api/v1/invoices', {
    customer_id: customer,
    place_of_supply: 'IN-MH',
    auto_approve: approve,
    line_items: [{ name: 'Consulting', quantity: 1, unit_price: 273_875, tax_rate: 0 }],
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

const mailFor = (number: string) => smtp.messages.find((m) => m.subject?.includes(number));

describe('POST /api/v1/invoices/{id}/send', () => {
  it('emails the customer the hosted link and the PDF, then marks the invoice delivered and emits INVOICE_SENT', async () => {
    const created = await invoice();
    expect(created.delivered).toBe(false);
    const response = await tenant.post(`/api/v1/invoices/${created.id}/send`, {});
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json()).toEqual({ invoice_id: created.id, status: 'queued', to: ['buyer@example.com'], cc: [] });

    await until(() => mailFor(created.number) !== undefined);
    const mail = mailFor(created.number) as NonNullable<ReturnType<typeof mailFor>>;
    expect(mail.from?.text).toContain('billing@billow.test');
    expect(JSON.stringify(mail.to)).toContain('buyer@example.com');
    expect(mail.subject).toBe(`Tax invoice ${created.number} from Mailing Traders`);
    expect(mail.html).toContain(created.hosted_invoice_url);
    expect(mail.text).toContain(created.hosted_invoice_url);
    expect(mail.html).toContain('₹2,738.75');
    const [attachment] = mail.attachments;
    expect(attachment?.filename).toBe(`${created.number}.pdf`);
    expect(attachment?.contentType).toBe('application/pdf');
    const text = await pdfText(attachment?.content as Buffer);
    expect(text).toContain(created.number);
    expect(text).toContain('Rupees Two Thousand Seven Hundred Thirty Eight and Seventy Five Paise Only');

    await until(async () => (await tenant.get(`/api/v1/invoices/${created.id}`)).json().delivered === true);
    const after = (await tenant.get(`/api/v1/invoices/${created.id}`)).json();
    expect(after.delivered_on).toEqual(expect.any(String));
    const sent = (await eventsOf(env, tenant.id)).filter((e) => e.type === 'INVOICE_SENT');
    expect(sent.map((e) => e.payload.data.id)).toContain(created.id);
    expect(sent.find((e) => e.payload.data.id === created.id)?.payload.data.delivered).toBe(true);
  });

  it('sends to the given recipients with the given subject and message', async () => {
    const created = await invoice();
    const response = await tenant.post(`/api/v1/invoices/${created.id}/send`, {
      to: ['ap@example.com'],
      cc: ['boss@example.com'],
      subject: `Your invoice ${created.number} <urgent>`,
      message: 'Hello <b>team</b>,\nplease pay.',
    });
    expect(response.statusCode, response.body).toBe(202);
    await until(() => mailFor(created.number) !== undefined);
    const mail = mailFor(created.number) as NonNullable<ReturnType<typeof mailFor>>;
    expect(JSON.stringify(mail.to)).toContain('ap@example.com');
    expect(JSON.stringify(mail.to)).not.toContain('buyer@example.com');
    expect(JSON.stringify(mail.cc)).toContain('boss@example.com');
    expect(mail.subject).toBe(`Your invoice ${created.number} <urgent>`);
    expect(mail.html).toContain('Hello &lt;b&gt;team&lt;/b&gt;');
    expect(mail.text).toContain('please pay.');
  });

  it('refuses drafts and void invoices (409), a customer without email (422) and bad input (422)', async () => {
    const draft = await invoice('ct_mail', false);
    expect(expectDetail(await tenant.post(`/api/v1/invoices/${draft.id}/send`, {}), 409)).toMatch(/draft/);
    const voided = await invoice();
    expect((await tenant.post(`/api/v1/invoices/${voided.id}/void`)).statusCode).toBe(200);
    expect(expectDetail(await tenant.post(`/api/v1/invoices/${voided.id}/send`, {}), 409)).toMatch(/void/);
    const silent = await invoice('ct_silent');
    expect422(await tenant.post(`/api/v1/invoices/${silent.id}/send`, {}), ['body', 'to']);
    expect422(await tenant.post(`/api/v1/invoices/${silent.id}/send`, { to: ['not an email'] }), ['body', 'to', 0]);
    expect422(await tenant.post(`/api/v1/invoices/${silent.id}/send`, { bcc: ['x@example.com'] }), ['body', 'bcc']);
    // With a recipient given, an invoice of a customer without email is sent.
    expect((await tenant.post(`/api/v1/invoices/${silent.id}/send`, { to: ['x@example.com'] })).statusCode).toBe(202);
  });

  it('answers 404 for an unknown id or another business, and 401 without a token', async () => {
    expectDetail(await tenant.post('/api/v1/invoices/nope/send', {}), 404);
    const created = await invoice();
    const other = await createBusiness(env.app);
    expectDetail(await other.post(`/api/v1/invoices/${created.id}/send`, {}), 404);
    const anonymous = await env.app.inject({ method: 'POST', url: `/api/v1/invoices/${created.id}/send`, payload: {} });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('POST /api/v1/invoices/send', () => {
  it('queues many at once (202), accepting or rejecting each, and the worker sends the accepted ones', async () => {
    const good = await invoice();
    const alsoGood = await invoice();
    const draft = await invoice('ct_mail', false);
    const response = await tenant.post('/api/v1/invoices/send', { invoice_ids: [good.id, draft.id, 'missing', alsoGood.id] });
    expect(response.statusCode, response.body).toBe(202);
    const body = response.json();
    expect(body.queued).toBe(2);
    expect(body.rejected).toBe(2);
    expect(body.items.map((i: Json) => [i.invoice_id, i.status, i.error?.code ?? null])).toEqual([
      [good.id, 'queued', null],
      [draft.id, 'rejected', 'state.invalid'],
      ['missing', 'rejected', 'not_found.resource'],
      [alsoGood.id, 'queued', null],
    ]);
    await until(async () => {
      const views = await Promise.all([good.id, alsoGood.id].map(async (id) => (await tenant.get(`/api/v1/invoices/${id}`)).json()));
      return views.every((v) => v.delivered);
    });
    expect(mailFor(good.number)).toBeDefined();
    expect(mailFor(alsoGood.number)).toBeDefined();
    expect((await tenant.get(`/api/v1/invoices/${draft.id}`)).json().delivered).toBe(false);
  });

  it('takes at most 500 distinct ids', async () => {
    const ids = Array.from({ length: 501 }, (_, i) => `inv_${i}`);
    expect422(await tenant.post('/api/v1/invoices/send', { invoice_ids: ids }), ['body', 'invoice_ids']);
    expect422(await tenant.post('/api/v1/invoices/send', { invoice_ids: ['a', 'a'] }), ['body', 'invoice_ids']);
    expect422(await tenant.post('/api/v1/invoices/send', { invoice_ids: [] }), ['body', 'invoice_ids']);
  });
});

describe('auto_send', () => {
  it('bulk items with auto_send are emailed after finalizing; without auto_approve or an email the item fails alone', async () => {
    const line = { name: 'Bulk thing', quantity: 1, unit_price: 1_000, tax_rate: 0 };
    const response = await tenant.post('/bulk/invoices', {
      invoices: [
        { customer_id: 'ct_mail', place_of_supply: 'IN-MH', auto_approve: true, auto_send: true, line_items: [line] },
        { customer_id: 'ct_mail', place_of_supply: 'IN-MH', auto_send: true, line_items: [line] },
        { customer_id: 'ct_silent', place_of_supply: 'IN-MH', auto_approve: true, auto_send: true, line_items: [line] },
        { customer_id: 'ct_mail', place_of_supply: 'IN-MH', auto_approve: true, line_items: [line] },
      ],
    });
    expect(response.statusCode, response.body).toBe(200);
    const results = response.json().results as Json[];
    expect(results.map((r) => [r.ok, r.error?.field ?? null])).toEqual([
      [true, null],
      [false, 'auto_send'],
      [false, 'auto_send'],
      [true, null],
    ]);
    const [sent, notSent] = [results[0].invoice, results[3].invoice];
    await until(async () => (await tenant.get(`/api/v1/invoices/${sent.id}`)).json().delivered === true);
    expect(mailFor(sent.number)).toBeDefined();
    expect(JSON.stringify(mailFor(sent.number)?.to)).toContain('buyer@example.com');
    expect((await tenant.get(`/api/v1/invoices/${notSent.id}`)).json().delivered).toBe(false);
    expect(mailFor(notSent.number)).toBeUndefined();
  });
});

describe('a failing mail server', () => {
  it('is retried, and the invoice is marked delivered only once a send succeeds', async () => {
    const flaky = await startSmtp({ failFirst: 2 });
    const config = { ...env.config, smtpUrl: flaky.url };
    const own = await startWorkers({ database: env.database, config, handlers: [mailHandler({ backoffMs: () => 300 })], log: quiet, pollMs: 50 });
    // This business's mail goes through the flaky server: stop the shared workers from taking it.
    await workers.stop();
    try {
      const created = await invoice();
      expect((await tenant.post(`/api/v1/invoices/${created.id}/send`, {})).statusCode).toBe(202);
      await until(() => flaky.refused >= 1);
      const between = (await tenant.get(`/api/v1/invoices/${created.id}`)).json();
      expect(between.delivered).toBe(false);
      expect(between.delivered_on).toBeNull();
      await until(() => flaky.messages.length === 1);
      await until(async () => (await tenant.get(`/api/v1/invoices/${created.id}`)).json().delivered === true);
      expect(flaky.refused).toBe(2);
      expect(flaky.messages[0]?.subject).toContain(created.number);
    } finally {
      await own.stop();
      await flaky.close();
      workers = await startWorkers({ database: env.database, config: env.config, handlers: [mailHandler({ backoffMs: () => 100 })], log: quiet, pollMs: 50 });
    }
  });
});

describe('without SMTP_URL', () => {
  it('writes each email as an .eml file under $BILLOW_DATA_DIR/mail and says so', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-mail-'));
    const config = { ...env.config, smtpUrl: undefined, dataDir };
    expect(describeMail(config)).toContain(path.join(dataDir, 'mail'));
    const business = await createBusiness(env.app);
    await createCustomer(business, { id: 'ct_eml', name: 'Eml Buyer', email: 'eml@example.com' });
    const created = (
      await business.post('/api/v1/invoices', { customer_id: 'ct_eml', place_of_supply: 'IN-MH', auto_approve: true, line_items: [{ name: 'X', quantity: 1, unit_price: 100, tax_rate: 0 }] })
    ).json();
    await workers.stop();
    const own = await startWorkers({ database: env.database, config, handlers: [mailHandler()], log: quiet, pollMs: 50 });
    try {
      expect((await business.post(`/api/v1/invoices/${created.id}/send`, {})).statusCode).toBe(202);
      const dir = path.join(dataDir, 'mail');
      await until(() => fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.eml')));
      const file = fs.readdirSync(dir).find((f) => f.endsWith('.eml'));
      const eml = fs.readFileSync(path.join(dir, file as string), 'utf8');
      expect(eml).toContain('To: eml@example.com');
      expect(eml).toContain(created.number);
      await until(async () => (await business.get(`/api/v1/invoices/${created.id}`)).json().delivered === true);
    } finally {
      await own.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      workers = await startWorkers({ database: env.database, config: env.config, handlers: [mailHandler({ backoffMs: () => 100 })], log: quiet, pollMs: 50 });
    }
  });
});
