import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, createCustomer, type Tenant } from '../helpers/factories.ts';
import { expect422 } from './support.ts';
import type { Page as ListPage } from '../../src/modules/pagination.ts';

type Page = ListPage<Json>;

let env: TestEnv;
let tenant: Tenant;
/** Customer ids, newest first. */
let newestFirst: string[];

beforeAll(async () => {
  env = await testApp();
  tenant = await createBusiness(env.app);
  const created: string[] = [];
  // Generated ids are UUIDv7, monotonic within this process: (created_at, id) orders them
  // by creation even when two share a millisecond.
  for (let i = 1; i <= 7; i++) created.push((await createCustomer(tenant, { name: `Customer ${i}` })).id);
  newestFirst = created.reverse();
  // Another business's customers never show up in this one's lists.
  const other = await createBusiness(env.app);
  for (let i = 0; i < 3; i++) await createCustomer(other, { name: `Other ${i}` });
});
afterAll(() => env.app.close());

async function page(query: string): Promise<Page> {
  const response = await tenant.get(`/api/v1/customers?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json() as Page;
  expect(Object.keys(body).sort()).toEqual(['has_next', 'has_prev', 'items', 'limit', 'next_cursor', 'prev_cursor', 'total']);
  return body;
}

const ids = (p: Page) => p.items.map((c) => c.id as string);
const cursor = (c: string | null) => encodeURIComponent(c ?? '');

describe('customer list pagination', () => {
  it('returns everything newest first by default, limit 50, total null', async () => {
    const all = await page('');
    expect(ids(all)).toEqual(newestFirst);
    expect(all).toMatchObject({ total: null, limit: 50, next_cursor: null, prev_cursor: null, has_next: false, has_prev: false });
  });

  it('follows next_cursor to the end (3, 3, 1) without duplicates, then prev_cursor back', async () => {
    const first = await page('limit=3');
    expect(ids(first)).toEqual(newestFirst.slice(0, 3));
    expect(first).toMatchObject({ limit: 3, has_next: true, has_prev: false, prev_cursor: null, total: null });
    expect(first.next_cursor).toEqual(expect.any(String));

    const second = await page(`limit=3&cursor=${cursor(first.next_cursor)}`);
    expect(ids(second)).toEqual(newestFirst.slice(3, 6));
    expect(second).toMatchObject({ has_next: true, has_prev: true });

    const third = await page(`limit=3&cursor=${cursor(second.next_cursor)}`);
    expect(ids(third)).toEqual(newestFirst.slice(6));
    expect(third).toMatchObject({ has_next: false, next_cursor: null, has_prev: true });

    const seen = [...ids(first), ...ids(second), ...ids(third)];
    expect(new Set(seen).size).toBe(7);
    expect(seen).toEqual(newestFirst);

    const backToSecond = await page(`limit=3&cursor=${cursor(third.prev_cursor)}`);
    expect(ids(backToSecond)).toEqual(ids(second));
    expect(backToSecond).toMatchObject({ has_next: true, has_prev: true });

    const backToFirst = await page(`limit=3&cursor=${cursor(backToSecond.prev_cursor)}`);
    expect(ids(backToFirst)).toEqual(ids(first));
    expect(backToFirst).toMatchObject({ has_prev: false, prev_cursor: null, has_next: true });

    // Going forward again from a page reached backwards works too.
    const forwardAgain = await page(`limit=3&cursor=${cursor(backToFirst.next_cursor)}`);
    expect(ids(forwardAgain)).toEqual(ids(second));
  });

  it('ends exactly at a page boundary without an empty extra page', async () => {
    const first = await page('limit=7');
    expect(ids(first)).toEqual(newestFirst);
    expect(first).toMatchObject({ has_next: false, next_cursor: null });
    const sixOnly = await page('limit=6');
    const rest = await page(`limit=6&cursor=${cursor(sixOnly.next_cursor)}`);
    expect(ids(rest)).toEqual(newestFirst.slice(6));
    expect(rest.has_next).toBe(false);
  });

  it('walks the whole list one by one', async () => {
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const p: Page = await page(`limit=1${next ? `&cursor=${cursor(next)}` : ''}`);
      expect(p.items.length).toBe(1);
      seen.push(...ids(p));
      next = p.next_cursor;
    } while (next);
    expect(seen).toEqual(newestFirst);
  });

  it('counts the total only when asked: include_total=true gives 7', async () => {
    expect((await page('limit=3&include_total=true')).total).toBe(7);
    expect((await page('limit=3&include_total=false')).total).toBeNull();
    expect((await page('limit=3')).total).toBeNull();
    const first = await page('limit=3');
    expect((await page(`limit=3&include_total=true&cursor=${cursor(first.next_cursor)}`)).total).toBe(7);
  });

  it('lists nothing for a fresh business', async () => {
    const fresh = await createBusiness(env.app);
    const response = await fresh.get('/api/v1/customers?include_total=true');
    expect(response.json()).toEqual({ items: [], total: 0, limit: 50, next_cursor: null, prev_cursor: null, has_next: false, has_prev: false });
  });

  it('accepts limit 1 and 500', async () => {
    expect((await page('limit=1')).items).toHaveLength(1);
    expect((await page('limit=500')).items).toHaveLength(7);
  });

  it.each([['0'], ['501'], ['-1'], ['abc'], ['2.5'], ['1e9']])('refuses limit=%s with 422 at ["query","limit"]', async (limit) => {
    expect422(await tenant.get(`/api/v1/customers?limit=${limit}`), ['query', 'limit']);
  });

  it('refuses a non-boolean include_total with 422', async () => {
    expect422(await tenant.get('/api/v1/customers?include_total=maybe'), ['query', 'include_total']);
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['base64 of garbage', Buffer.from('hello world').toString('base64url')],
    ['base64 of a JSON object', Buffer.from('{"at":"2020-01-01"}').toString('base64url')],
    ['a bad direction', Buffer.from(JSON.stringify(['2020-01-01T00:00:00.000Z', 'x', 'sideways'])).toString('base64url')],
    ['a bad timestamp', Buffer.from(JSON.stringify(['yesterday', 'x', 'next'])).toString('base64url')],
    ['too long', 'a'.repeat(513)],
  ])('refuses a %s cursor with 422', async (_label, value) => {
    const response = await tenant.get(`/api/v1/customers?cursor=${encodeURIComponent(value)}`);
    expect(response.statusCode, response.body).toBe(422);
    const locs = (response.json().detail as Json[]).map((d) => d.loc.at(-1));
    expect(locs).toContain('cursor');
  });

  it('reports a bad cursor at ["query","cursor"], where it was sent', async () => {
    expect422(await tenant.get('/api/v1/customers?cursor=not-a-cursor'), ['query', 'cursor']);
  });

  it.each([
    ['a timestamp JavaScript parses but PostgreSQL does not', ['1', 'x', 'next']],
    ['a timestamp before PostgreSQL\'s range', ['-271821-04-20T00:00:00.000Z', 'x', 'next']],
    ['an id with a NUL character', ['2020-01-01T00:00:00.000Z', 'a\u0000b', 'prev']],
  ])('refuses a forged cursor with %s with a 4xx, never a 500', async (_label, keyset) => {
    const forged = Buffer.from(JSON.stringify(keyset)).toString('base64url');
    const response = await tenant.get(`/api/v1/customers?cursor=${forged}`);
    expect(response.statusCode, response.body).toBeLessThan(500);
    expect(response.statusCode).toBe(422);
  });

  it("a cursor from another business's list reveals nothing of it", async () => {
    const other = await createBusiness(env.app);
    await createCustomer(other, { name: 'Secret' });
    await createCustomer(other, { name: 'Secret 2' });
    const otherPage = (await other.get('/api/v1/customers?limit=1')).json() as Page;
    const response = await tenant.get(`/api/v1/customers?limit=50&cursor=${cursor(otherPage.next_cursor)}`);
    expect(response.statusCode).toBe(200);
    for (const c of (response.json() as Page).items) expect(newestFirst).toContain(c.id);
  });
});
