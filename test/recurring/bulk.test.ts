import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { startWorkers } from '../../src/jobs/runner.ts';
import { eventsOf } from '../helpers/assertions.ts';
import { type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, type Tenant } from '../helpers/factories.ts';
import { invoicesOf, retainer, TEMPLATES } from './support.ts';

/** POST /bulk/recurring-templates (seeds/000 style) and the real workers at the real time. */
let env: TestEnv;
let tenant: Tenant;
const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  env = await testApp();
  tenant = await createBusiness(env.app);
  await createCustomer(tenant, { id: 'ct_a' });
});
afterAll(() => env.app.close());

describe('POST /bulk/recurring-templates', () => {
  it('good and bad rows: per-item results in request order, always 200, one aggregate event', async () => {
    const items = [
      retainer('ct_a', today(), { id: 'rt_bulk_1', start_date: '2099-01-01' }),
      retainer('ct_missing', '2099-01-01'),
      { ...retainer('ct_a', '2099-01-01'), schedule: { frequency: 'month', interval: 0 } },
      retainer('ct_a', '2099-01-01', { id: 'rt_bulk_1' }),
      'not an object',
      retainer('ct_a', '2099-01-01', { schedule: { frequency: 'week', interval: 1, weekday: 'fri' } }),
    ];
    const response = await tenant.post('/bulk/recurring-templates', { recurring_templates: items });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ code: 0, message: '2 of 6 recurring_templates created.', summary: { total: 6, succeeded: 2, failed: 4 } });
    expect(body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false, false, false, false, true]);
    expect(body.results[1].error).toMatchObject({ code: 'not_found.resource', field: 'customer_id' });
    expect(body.results[2].error).toMatchObject({ code: 'validation.invalid', field: 'schedule.interval' });
    expect(body.results[3].error).toMatchObject({ code: 'conflict.duplicate', field: 'id' });
    expect(body.results[5].recurring_template).toMatchObject({ next_invoice_date: '2099-01-02', schedule: { weekday: 'fri' } });
    expect((await tenant.get(`${TEMPLATES}?include_total=true`)).json().total).toBe(2);
    const types = (await eventsOf(env, tenant.id)).map((e) => e.type);
    expect(types).toEqual(['RECURRING_TEMPLATE_CREATED', 'RECURRING_TEMPLATE_CREATED', 'RECURRING_TEMPLATE_BULK_CREATED']);
    expect((await eventsOf(env, tenant.id)).at(-1)?.payload.data).toEqual({ count: 2, failed: 4, batch_size: 6 });
  });

  it('an empty or oversized envelope is a request error in the bulk dialect', async () => {
    const empty = await tenant.post('/bulk/recurring-templates', { recurring_templates: [] });
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toMatchObject({ code: 422, error: { field: 'recurring_templates' } });
    const many = await tenant.post('/bulk/recurring-templates', { recurring_templates: Array.from({ length: 51 }, () => retainer('ct_a', '2099-01-01')) });
    expect(many.statusCode).toBe(422);
  });
});

describe('the workers at the real time', () => {
  it('a template starting today gets its first invoice within seconds from the running workers', async () => {
    const workers = await startWorkers({ database: env.database, config: env.config, handlers: jobHandlers(), log: { info: () => undefined, warn: () => undefined, error: () => undefined }, pollMs: 100 });
    try {
      const created = await tenant.post(TEMPLATES, retainer('ct_a', today(), { mode: 'draft' }));
      expect(created.statusCode, created.body).toBe(201);
      const started = Date.now();
      let invoices = await invoicesOf(tenant, created.json().id);
      while (invoices.length === 0 && Date.now() - started < 10_000) {
        await sleep(100);
        invoices = await invoicesOf(tenant, created.json().id);
      }
      expect(invoices.map((i) => i.date)).toEqual([today()]);
    } finally {
      await workers.stop();
    }
  });
});
