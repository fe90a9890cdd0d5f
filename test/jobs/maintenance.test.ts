import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaintenance } from '../../src/jobs/maintenance.ts';
import { type TestEnv, testApp } from '../helpers/app.ts';
import { createBusiness, type Tenant } from '../helpers/factories.ts';

let env: TestEnv;
let tenant: Tenant;

beforeAll(async () => {
  env = await testApp();
  tenant = await createBusiness(env.app);
});
afterAll(() => env.app.close());

const keysOf = async (businessId: string) =>
  (await sql<{ key: string }>`select key from idempotency_keys where business_id = ${businessId} order by key`.execute(env.database.db)).rows.map((r) => r.key);

describe('maintenance', () => {
  it('drops expired idempotency records and keeps live ones', async () => {
    const live = await tenant.post('/api/v1/customers', { name: 'Live' }, { 'idempotency-key': 'live-key' });
    expect(live.statusCode).toBe(201);
    const old = await tenant.post('/api/v1/customers', { name: 'Old' }, { 'idempotency-key': 'old-key' });
    expect(old.statusCode).toBe(201);
    await sql`update idempotency_keys set expires_at = now() - interval '1 second' where business_id = ${tenant.id} and key = 'old-key'`.execute(env.database.db);
    const { purged } = await runMaintenance(env.database);
    expect(purged).toBeGreaterThanOrEqual(1);
    expect(await keysOf(tenant.id)).toEqual(['live-key']);
    const replay = await tenant.post('/api/v1/customers', { name: 'Live' }, { 'idempotency-key': 'live-key' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });
});
