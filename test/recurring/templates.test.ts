import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expect422, expectDetail, eventsOf } from '../helpers/assertions.ts';
import type { Json, TestEnv } from '../helpers/app.ts';
import { createBusiness, createCustomer, createItem, type Tenant } from '../helpers/factories.ts';
import { clockedApp, createTemplate, getTemplate, invoicesOf, nextRunAt, retainer, runDue, TEMPLATES, testClock } from './support.ts';

/** Templates through HTTP, and the real scheduler handler run at a clock the test moves. */
const clock = testClock('2027-01-15T10:00:00Z');
let env: TestEnv;

beforeAll(async () => {
  env = await clockedApp(clock);
});
afterAll(() => env.app.close());

async function tenantWithCustomer(): Promise<Tenant> {
  const tenant = await createBusiness(env.app);
  await createCustomer(tenant, { id: 'ct_a', email: 'a@example.com', payment_terms_days: 15 });
  return tenant;
}

describe('recurring templates', () => {
  it('creates, reads, lists and previews a template; its first invoice is made on its start date', async () => {
    clock.set('2027-01-15T10:00:00Z');
    const tenant = await tenantWithCustomer();
    const template = await createTemplate(tenant, retainer('ct_a', '2027-01-15', { id: 'rt_retainer' }));
    expect(template).toMatchObject({ id: 'rt_retainer', object: 'recurring_template', status: 'active', next_invoice_date: '2027-01-15', last_invoice_date: null, invoices_generated: 0, consecutive_failures: 0, last_error: null, end: { type: 'never' } });
    expect(await getTemplate(tenant, 'rt_retainer')).toEqual(template);
    expect((await tenant.get(`${TEMPLATES}?status=active&customer_id=ct_a&include_total=true`)).json()).toMatchObject({ total: 1, items: [{ id: 'rt_retainer' }] });
    expect((await tenant.get(`${TEMPLATES}?status=paused`)).json().items).toEqual([]);
    expect((await tenant.get(`${TEMPLATES}/rt_retainer/preview?count=3`)).json()).toEqual({ template_id: 'rt_retainer', dates: ['2027-01-15', '2027-02-15', '2027-03-15'] });
    // Created with start_date = today: its run was due at today's midnight, so at once.
    expect(await nextRunAt(env, tenant)).toBe('2027-01-15T00:00:00.000Z');

    expect(await runDue(env, tenant, clock)).toBe(1);
    const [invoice, ...more] = await invoicesOf(tenant, 'rt_retainer');
    expect(more).toEqual([]);
    expect(invoice).toMatchObject({ recurring_template_id: 'rt_retainer', date: '2027-01-15', due_date: '2027-01-30', status: 'open', total: 1_180_000, customer_id: 'ct_a' });
    expect(invoice.number).toMatch(/\d+$/);
    expect(await getTemplate(tenant, 'rt_retainer')).toMatchObject({ next_invoice_date: '2027-02-15', last_invoice_date: '2027-01-15', invoices_generated: 1 });
    // The next run is the next date's midnight (UTC, the default zone).
    expect(await nextRunAt(env, tenant)).toBe('2027-02-15T00:00:00.000Z');
    const types = (await eventsOf(env, tenant.id)).map((e) => e.type);
    expect(types).toEqual(['RECURRING_TEMPLATE_CREATED', 'INVOICE_CREATED', 'INVOICE_APPROVED']);
    // Running again the same day makes nothing.
    expect(await runDue(env, tenant, clock)).toBe(0);
  });

  it('backfill makes every missed date with its own date: day 31 gives 29 February and 30 April; without backfill a past start is a 422', async () => {
    clock.set('2028-05-01T12:00:00Z');
    const tenant = await tenantWithCustomer();
    expect422(await tenant.post(TEMPLATES, retainer('ct_a', '2028-01-01', { schedule: { frequency: 'month', interval: 1, day_of_month: 31 } })), ['body', 'start_date']);
    const t31 = await createTemplate(tenant, retainer('ct_a', '2028-01-01', { schedule: { frequency: 'month', interval: 1, day_of_month: 31 }, backfill: true, mode: 'draft' }));
    const last = await createTemplate(tenant, retainer('ct_a', '2028-02-10', { schedule: { frequency: 'month', interval: 1, day_of_month: 'last' }, backfill: true, mode: 'draft' }));
    await runDue(env, tenant, clock);
    expect((await invoicesOf(tenant, t31.id)).map((i) => i.date)).toEqual(['2028-01-31', '2028-02-29', '2028-03-31', '2028-04-30']);
    expect((await invoicesOf(tenant, last.id)).map((i) => i.date)).toEqual(['2028-02-29', '2028-03-31', '2028-04-30']);
    expect(await getTemplate(tenant, t31.id)).toMatchObject({ next_invoice_date: '2028-05-31', invoices_generated: 4 });
  });

  it('in America/New_York a daily template keeps its calendar dates across the DST change; invoices default to the local today', async () => {
    clock.set('2027-03-13T15:00:00Z');
    const tenant = await tenantWithCustomer();
    expect((await tenant.request('PATCH', `/api/v1/businesses/${tenant.id}`, { time_zone: 'america/new_york' })).json().time_zone).toBe('America/New_York');
    const daily = await createTemplate(tenant, retainer('ct_a', '2027-03-13', { schedule: { frequency: 'day', interval: 1 }, mode: 'draft' }));
    await runDue(env, tenant, clock);
    // Midnight of 14 March is 05:00Z (EST); of 15 March 04:00Z (EDT, after the change at 2 am).
    expect(await nextRunAt(env, tenant)).toBe('2027-03-14T05:00:00.000Z');
    clock.set('2027-03-14T04:59:00Z');
    expect(await runDue(env, tenant, clock)).toBe(0);
    clock.set('2027-03-14T05:00:30Z');
    await runDue(env, tenant, clock);
    expect(await nextRunAt(env, tenant)).toBe('2027-03-15T04:00:00.000Z');
    clock.set('2027-03-15T04:00:30Z');
    await runDue(env, tenant, clock);
    expect((await invoicesOf(tenant, daily.id)).map((i) => i.date)).toEqual(['2027-03-13', '2027-03-14', '2027-03-15']);
    // 03:00Z on 16 March is still 15 March in New York.
    clock.set('2027-03-16T03:00:00Z');
    const invoice = (await tenant.post('/api/v1/invoices', { customer_id: 'ct_a', place_of_supply: 'IN-MH', line_items: [{ name: 'x', quantity: 1, unit_price: 100 }] })).json();
    expect(invoice.date).toBe('2027-03-15');
  });

  it('after_count and on_date end the series: completed, with RECURRING_TEMPLATE_COMPLETED', async () => {
    clock.set('2027-06-01T09:00:00Z');
    const tenant = await tenantWithCustomer();
    const counted = await createTemplate(tenant, retainer('ct_a', '2027-06-01', { schedule: { frequency: 'week', interval: 1, weekday: 'tue' }, end: { type: 'after_count', count: 2 }, mode: 'draft' }));
    const dated = await createTemplate(tenant, retainer('ct_a', '2027-06-01', { schedule: { frequency: 'day', interval: 2 }, end: { type: 'on_date', date: '2027-06-04' }, mode: 'draft' }));
    expect((await tenant.get(`${TEMPLATES}/${counted.id}/preview?count=36`)).json().dates).toEqual(['2027-06-01', '2027-06-08']);
    clock.set('2027-07-01T09:00:00Z');
    await runDue(env, tenant, clock);
    expect((await invoicesOf(tenant, counted.id)).map((i) => i.date)).toEqual(['2027-06-01', '2027-06-08']);
    expect((await invoicesOf(tenant, dated.id)).map((i) => i.date)).toEqual(['2027-06-01', '2027-06-03']);
    for (const id of [counted.id, dated.id]) expect(await getTemplate(tenant, id)).toMatchObject({ status: 'completed', next_invoice_date: null });
    expect((await eventsOf(env, tenant.id)).filter((e) => e.type === 'RECURRING_TEMPLATE_COMPLETED')).toHaveLength(2);
    expectDetail(await tenant.post(`${TEMPLATES}/${counted.id}/resume`), 409);
  });

  it('pause and resume: the dates of the pause are skipped, not backfilled; cancel is final', async () => {
    clock.set('2027-01-10T08:00:00Z');
    const tenant = await tenantWithCustomer();
    const t = await createTemplate(tenant, retainer('ct_a', '2027-01-10', { mode: 'draft' }));
    await runDue(env, tenant, clock);
    expect((await tenant.post(`${TEMPLATES}/${t.id}/pause`)).json().status).toBe('paused');
    expectDetail(await tenant.post(`${TEMPLATES}/${t.id}/pause`), 409);
    clock.set('2027-04-20T08:00:00Z');
    await runDue(env, tenant, clock);
    expect((await tenant.get(`${TEMPLATES}/${t.id}/preview?count=2`)).json().dates).toEqual(['2027-05-10', '2027-06-10']);
    expect((await tenant.post(`${TEMPLATES}/${t.id}/resume`)).json()).toMatchObject({ status: 'active', next_invoice_date: '2027-05-10' });
    await runDue(env, tenant, clock);
    expect((await invoicesOf(tenant, t.id)).map((i) => i.date)).toEqual(['2027-01-10']);
    clock.set('2027-05-10T00:00:01Z');
    await runDue(env, tenant, clock);
    expect((await invoicesOf(tenant, t.id)).map((i) => i.date)).toEqual(['2027-01-10', '2027-05-10']);
    expect((await tenant.post(`${TEMPLATES}/${t.id}/cancel`)).json()).toMatchObject({ status: 'canceled', next_invoice_date: null });
    expectDetail(await tenant.post(`${TEMPLATES}/${t.id}/resume`), 409);
    const types = (await eventsOf(env, tenant.id)).map((e) => e.type).filter((type) => type.startsWith('RECURRING'));
    expect(types).toEqual(['RECURRING_TEMPLATE_CREATED', 'RECURRING_TEMPLATE_PAUSED', 'RECURRING_TEMPLATE_RESUMED', 'RECURRING_TEMPLATE_CANCELED']);
  });

  it('three failed generations pause the template with last_error and RECURRING_TEMPLATE_PAUSED', async () => {
    clock.set('2027-02-01T06:00:00Z');
    const tenant = await tenantWithCustomer();
    const t = await createTemplate(tenant, retainer('ct_a', '2027-02-01'));
    // A GST invoice takes its place of supply from the customer's state: without one it cannot be made.
    expect((await tenant.request('PATCH', '/api/v1/customers/ct_a', { state: null })).statusCode).toBe(200);
    await runDue(env, tenant, clock);
    const failed = await getTemplate(tenant, t.id);
    expect(failed).toMatchObject({ status: 'active', consecutive_failures: 1, next_invoice_date: '2027-02-01', invoices_generated: 0 });
    expect(failed.last_error).toMatch(/no state/);
    clock.set('2027-02-01T06:05:01Z');
    await runDue(env, tenant, clock);
    expect((await getTemplate(tenant, t.id)).consecutive_failures).toBe(2);
    clock.set('2027-02-01T07:05:02Z');
    await runDue(env, tenant, clock);
    expect(await getTemplate(tenant, t.id)).toMatchObject({ status: 'paused', consecutive_failures: 3 });
    expect(await invoicesOf(tenant, t.id)).toEqual([]);
    const paused = (await eventsOf(env, tenant.id)).filter((e) => e.type === 'RECURRING_TEMPLATE_PAUSED');
    expect(paused).toHaveLength(1);
    expect(paused[0]?.payload.data.last_error).toMatch(/no state/);
  });

  it('PATCH changes only invoices not yet generated; a new schedule starts from the first date not yet made', async () => {
    clock.set('2027-03-01T06:00:00Z');
    const tenant = await tenantWithCustomer();
    const t = await createTemplate(tenant, retainer('ct_a', '2027-03-01', { mode: 'draft' }));
    await runDue(env, tenant, clock);
    const patched = await tenant.request('PATCH', `${TEMPLATES}/${t.id}`, { line_items: [{ name: 'Retainer (new rate)', quantity: 1, unit_price: 2_000_000, tax_rate: 18 }], schedule: { frequency: 'month', interval: 1, day_of_month: 'last' } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ next_invoice_date: '2027-03-31', line_items: [{ unit_price: 2_000_000 }] });
    clock.set('2027-03-31T01:00:00Z');
    await runDue(env, tenant, clock);
    const [first, second] = await invoicesOf(tenant, t.id);
    expect(first).toMatchObject({ date: '2027-03-01', subtotal: 1_000_000 });
    expect(second).toMatchObject({ date: '2027-03-31', subtotal: 2_000_000, line_items: [{ name: 'Retainer (new rate)' }] });
    expect422(await tenant.request('PATCH', `${TEMPLATES}/${t.id}`, { schedule: { frequency: 'month', interval: 1, weekday: 'mon' } }), ['body', 'schedule', 'weekday']);
    expect422(await tenant.request('PATCH', `${TEMPLATES}/${t.id}`, { customer_id: 'ct_b' }), ['body', 'customer_id']);
  });

  it('include_delayed_charges sweeps the customer\u2019s pending charges into the generated invoice, once', async () => {
    clock.set('2027-04-01T06:00:00Z');
    const tenant = await tenantWithCustomer();
    const charge = await tenant.post('/api/v1/delayed-charges', { customer_id: 'ct_a', description: 'Overage', amount: 5_000 });
    expect(charge.statusCode, charge.body).toBe(201);
    const t = await createTemplate(tenant, retainer('ct_a', '2027-04-01', { include_delayed_charges: true, schedule: { frequency: 'day', interval: 1 } }));
    await runDue(env, tenant, clock);
    clock.set('2027-04-02T06:00:00Z');
    await runDue(env, tenant, clock);
    const [first, second] = await invoicesOf(tenant, t.id);
    expect(first.line_items.map((l: Json) => l.name)).toEqual(['Retainer', 'Overage']);
    expect(second.line_items.map((l: Json) => l.name)).toEqual(['Retainer']);
    expect((await tenant.get(`/api/v1/delayed-charges/${charge.json().id}`)).json()).toMatchObject({ status: 'invoiced', invoice_id: first.id });
  });

  it('makes an existing invoice recurring: lines and customer copied, the invoice points at the template', async () => {
    clock.set('2027-05-20T06:00:00Z');
    const tenant = await tenantWithCustomer();
    await createItem(tenant, { id: 'it_host' });
    const invoice = (await tenant.post('/api/v1/invoices', { customer_id: 'ct_a', place_of_supply: 'IN-MH', date: '2027-05-20', line_items: [{ item_id: 'it_host', quantity: 2 }], auto_approve: true })).json();
    const made = await tenant.post(`/api/v1/invoices/${invoice.id}/recurring`, { schedule: { frequency: 'month', interval: 1 }, end: { type: 'never' }, mode: 'finalize' });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({ customer_id: 'ct_a', next_invoice_date: '2027-06-20', line_items: [{ item_id: 'it_host', quantity: '2.0000', unit_price: 100_000 }] });
    const id = made.json().id;
    expect((await tenant.get(`/api/v1/invoices/${invoice.id}`)).json().recurring_template_id).toBe(id);
    expectDetail(await tenant.post(`/api/v1/invoices/${invoice.id}/recurring`, { schedule: { frequency: 'month', interval: 1 }, end: { type: 'never' }, mode: 'draft' }), 409);
    clock.set('2027-06-20T00:30:00Z');
    await runDue(env, tenant, clock);
    const series = await invoicesOf(tenant, id);
    expect(series.map((i) => i.date)).toEqual(['2027-05-20', '2027-06-20']);
    expect(series[1]).toMatchObject({ total: invoice.total, status: 'open' });
  });

  it('another business\u2019s templates, customers and invoices are 404', async () => {
    clock.set('2027-01-15T10:00:00Z');
    const owner = await tenantWithCustomer();
    const other = await tenantWithCustomer();
    const t = await createTemplate(owner, retainer('ct_a', '2027-01-15', { id: 'rt_private' }));
    const invoice = (await owner.post('/api/v1/invoices', { customer_id: 'ct_a', place_of_supply: 'IN-MH', line_items: [{ name: 'x', quantity: 1, unit_price: 100 }] })).json();
    expectDetail(await other.get(`${TEMPLATES}/${t.id}`), 404);
    expectDetail(await other.get(`${TEMPLATES}/${t.id}/preview`), 404);
    expectDetail(await other.request('PATCH', `${TEMPLATES}/${t.id}`, { name: 'mine' }), 404);
    for (const action of ['pause', 'resume', 'cancel']) expectDetail(await other.post(`${TEMPLATES}/${t.id}/${action}`), 404);
    expectDetail(await other.post(`/api/v1/invoices/${invoice.id}/recurring`, { schedule: { frequency: 'day', interval: 1 }, end: { type: 'never' }, mode: 'draft' }), 404);
    expectDetail(await other.post(TEMPLATES, retainer('ct_missing', '2027-01-15')), 404);
    // The same client id is free in another business.
    expect((await createTemplate(other, retainer('ct_a', '2027-01-15', { id: 'rt_private' }))).id).toBe('rt_private');
    expectDetail(await owner.post(TEMPLATES, retainer('ct_a', '2027-01-15', { id: 'rt_private' })), 409);
    expect((await other.get(`/api/v1/invoices?recurring_template_id=${t.id}`)).json().items).toEqual([]);
  });
});

describe('hostile template input', () => {
  const cases: [string, (body: Json) => void, (string | number)[]][] = [
    ['interval 0', (b) => (b.schedule.interval = 0), ['body', 'schedule', 'interval']],
    ['interval 10,000', (b) => (b.schedule.interval = 10_000), ['body', 'schedule', 'interval']],
    ['day_of_month 32', (b) => (b.schedule.day_of_month = 32), ['body', 'schedule', 'day_of_month']],
    ['unknown frequency', (b) => (b.schedule.frequency = 'fortnight'), ['body', 'schedule', 'frequency']],
    ['weekday on a monthly schedule', (b) => (b.schedule.weekday = 'mon'), ['body', 'schedule', 'weekday']],
    ['an end date before the start', (b) => (b.end = { type: 'on_date', date: '2027-01-14' }), ['body', 'end', 'date']],
    ['an end count of 0', (b) => (b.end = { type: 'after_count', count: 0 }), ['body', 'end', 'count']],
    ['an end date on a count', (b) => (b.end = { type: 'after_count', date: '2027-05-01' }), ['body', 'end', 'date']],
    ['10,000 lines', (b) => (b.line_items = Array.from({ length: 10_000 }, () => ({ name: 'x', quantity: 1, unit_price: 1 }))), ['body', 'line_items']],
    ['an unknown field', (b) => (b.colour = 'red'), ['body', 'colour']],
    ['a bad start date', (b) => (b.start_date = '2027-02-30'), ['body', 'start_date']],
    ['an unknown mode', (b) => (b.mode = 'email'), ['body', 'mode']],
  ];
  it.each(cases)('%s → 422 naming the field, nothing written', async (_name, mutate, loc) => {
    clock.set('2027-01-15T10:00:00Z');
    const tenant = await tenantWithCustomer();
    const body = retainer('ct_a', '2027-01-15');
    mutate(body);
    expect422(await tenant.post(TEMPLATES, body), loc);
    expect((await tenant.get(`${TEMPLATES}?include_total=true`)).json().total).toBe(0);
    expect(await eventsOf(env, tenant.id)).toEqual([]);
  });

  it('preview count 0 or 37 → 422 at the query', async () => {
    const tenant = await tenantWithCustomer();
    const t = await createTemplate(tenant, retainer('ct_a', '2027-01-15'));
    expect422(await tenant.get(`${TEMPLATES}/${t.id}/preview?count=0`), ['query', 'count']);
    expect422(await tenant.get(`${TEMPLATES}/${t.id}/preview?count=37`), ['query', 'count']);
  });
});
