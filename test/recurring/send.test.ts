import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIL_QUEUE } from '../../src/modules/delivery/send-invoices.ts';
import type { TestEnv } from '../helpers/app.ts';
import { createBusiness, createCustomer } from '../helpers/factories.ts';
import { clockedApp, createTemplate, getTemplate, invoicesOf, retainer, runDue, testClock } from './support.ts';

/** mode "send": finalized and emailed through the same auto_send path as any invoice. */
const clock = testClock('2027-08-01T09:00:00Z');
let env: TestEnv;

beforeAll(async () => {
  env = await clockedApp(clock);
});
afterAll(() => env.app.close());

describe('recurring mode send', () => {
  it('finalizes each invoice and queues its email in the same transaction; a customer without email is a recorded failure', async () => {
    const tenant = await createBusiness(env.app);
    await createCustomer(tenant, { id: 'ct_mail', email: 'ap@mail.example' });
    await createCustomer(tenant, { id: 'ct_nomail', email: 'old@mail.example' });
    const sent = await createTemplate(tenant, retainer('ct_mail', '2027-08-01', { mode: 'send' }));
    // Checked at creation; a customer whose email is removed later fails at generation.
    const unsendable = await createTemplate(tenant, retainer('ct_nomail', '2027-08-01', { mode: 'send' }));
    expect((await tenant.request('PATCH', '/api/v1/customers/ct_nomail', { email: null })).statusCode).toBe(200);
    await runDue(env, tenant, clock);
    const [invoice] = await invoicesOf(tenant, sent.id);
    expect(invoice).toMatchObject({ status: 'open', date: '2027-08-01' });
    const mail = await env.database.db.selectFrom('jobs').select('payload').where('business_id', '=', tenant.id).where('queue', '=', MAIL_QUEUE).execute();
    expect(mail.map((j) => (j.payload as { invoice_id: string; to: string[] }).invoice_id)).toEqual([invoice.id]);
    expect(await invoicesOf(tenant, unsendable.id)).toEqual([]);
    const failed = await getTemplate(tenant, unsendable.id);
    expect(failed).toMatchObject({ consecutive_failures: 1, status: 'active' });
    expect(failed.last_error).toMatch(/email/);
  });
});
