import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import type { Tenant } from '../helpers/factories.ts';
import { createInvoice, expectDetail, finalize, installFailingTrigger, invoiceBody, ok, shop } from './support.ts';

let env: TestEnv;
let trigger: Awaited<ReturnType<typeof installFailingTrigger>>;

beforeAll(async () => {
  env = await testApp();
  trigger = await installFailingTrigger(env);
});
afterAll(async () => {
  await trigger?.drop();
  await env.app.close();
});

const expectedNumbers = (n: number) => Array.from({ length: n }, (_, i) => `INV-${String(i + 1).padStart(5, '0')}`);

/** Drafts through POST /bulk/invoices, 50 per request; returns ids in request order. */
async function bulkDrafts(tenant: Tenant, bodies: Json[]): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < bodies.length; start += 50) {
    const response = await tenant.post('/bulk/invoices', { invoices: bodies.slice(start, start + 50) });
    const body = ok(response);
    expect(body.summary, response.body.slice(0, 500)).toMatchObject({ failed: 0 });
    ids.push(...body.results.map((r: Json) => r.invoice.id as string));
  }
  return ids;
}

async function numbersOf(tenant: Tenant): Promise<(string | null)[]> {
  const page = ok(await tenant.get('/api/v1/invoices?limit=500'));
  expect(page.has_next).toBe(false);
  return page.items.map((i: Json) => i.number);
}

describe('gapless numbering under concurrency', () => {
  it('numbers 200 concurrent finalizes gaplessly, even when some fail after reserving a number', async () => {
    const s = await shop(env);
    const doomed = new Set<number>();
    for (let i = 7; i < 200; i += 10) doomed.add(i);
    expect(doomed.size).toBe(20);
    const bodies = Array.from({ length: 200 }, (_, i) => invoiceBody(doomed.has(i) ? { reference: trigger.marker } : { reference: `ok-${i}` }));
    const ids = await bulkDrafts(s.tenant, bodies);
    expect(new Set(ids).size).toBe(200);

    const responses = await Promise.all(ids.map((id) => finalize(s.tenant, id)));
    responses.forEach((response, i) => {
      if (doomed.has(i)) expect(response.statusCode, `invoice ${i}: ${response.body}`).toBeGreaterThanOrEqual(500);
      else expect(response.statusCode, `invoice ${i}: ${response.body}`).toBe(200);
    });
    const succeeded = responses.filter((r) => r.statusCode === 200);
    expect(succeeded).toHaveLength(180);
    // What each success reported is what is stored.
    const reported = succeeded.map((r) => r.json().number as string);
    expect([...reported].sort()).toEqual(expectedNumbers(180));

    const stored = await numbersOf(s.tenant);
    expect(stored.filter((n) => n !== null).sort()).toEqual(expectedNumbers(180));
    const failedViews = await Promise.all([...doomed].map(async (i) => ok(await s.tenant.get(`/api/v1/invoices/${ids[i]}`))));
    for (const view of failedViews) {
      expect(view).toMatchObject({ status: 'draft', number: null, journal_entries: [] });
    }

    await trigger.drop();
    const retried = await Promise.all([...doomed].map((i) => finalize(s.tenant, ids[i] as string)));
    for (const response of retried) expect(response.statusCode, response.body).toBe(200);
    expect(retried.map((r) => r.json().number).sort()).toEqual(expectedNumbers(200).slice(180));
    expect((await numbersOf(s.tenant)).sort()).toEqual(expectedNumbers(200));
  });

  it('finalizes the same invoice ×10 concurrently: exactly one 200, nine 409, one number used', async () => {
    const s = await shop(env);
    const draft = await createInvoice(s.tenant, invoiceBody());
    const responses = await Promise.all(Array.from({ length: 10 }, () => finalize(s.tenant, draft.id)));
    const codes = responses.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of responses.filter((x) => x.statusCode === 409)) expectDetail(r, 409);
    const view = ok(await s.tenant.get(`/api/v1/invoices/${draft.id}`));
    expect(view.number).toBe('INV-00001');
    expect(view.journal_entries).toHaveLength(1);
    const next = await createInvoice(s.tenant, invoiceBody());
    expect(ok(await finalize(s.tenant, next.id)).number).toBe('INV-00002');
  });

  it('stays gapless when bulk auto_approve batches race single finalizes', async () => {
    const s = await shop(env);
    const drafts = await bulkDrafts(s.tenant, Array.from({ length: 40 }, () => invoiceBody()));
    const batches = Array.from({ length: 3 }, () => s.tenant.post('/bulk/invoices', { invoices: Array.from({ length: 20 }, () => invoiceBody({ auto_approve: true })) }));
    const [finalizes, bulk] = await Promise.all([Promise.all(drafts.map((id) => finalize(s.tenant, id))), Promise.all(batches)]);
    for (const r of finalizes) expect(r.statusCode, r.body).toBe(200);
    for (const r of bulk) expect(ok(r).summary).toEqual({ total: 20, succeeded: 20, failed: 0 });
    const numbers = await numbersOf(s.tenant);
    expect(numbers).toHaveLength(100);
    expect([...numbers].sort()).toEqual(expectedNumbers(100));
  });

  it('keeps one series per business when businesses finalize concurrently', async () => {
    const [a, b] = await Promise.all([shop(env), shop(env)]);
    const [idsA, idsB] = await Promise.all([bulkDrafts(a.tenant, Array.from({ length: 20 }, () => invoiceBody())), bulkDrafts(b.tenant, Array.from({ length: 20 }, () => invoiceBody()))]);
    const responses = await Promise.all([...idsA.map((id) => finalize(a.tenant, id)), ...idsB.map((id) => finalize(b.tenant, id))]);
    for (const r of responses) expect(r.statusCode, r.body).toBe(200);
    expect((await numbersOf(a.tenant)).sort()).toEqual(expectedNumbers(20));
    expect((await numbersOf(b.tenant)).sort()).toEqual(expectedNumbers(20));
  });
});
