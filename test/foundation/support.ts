import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { createApiToken } from '../../src/modules/businesses/create-business.ts';
import type { TestEnv } from '../helpers/app.ts';
import type { Tenant } from '../helpers/factories.ts';

export { expect422, expectDetail } from '../helpers/assertions.ts';

/** Bad input may be refused in several ways, but always as a client error with a JSON detail. */
export function expectClientError(response: LightMyRequestResponse): void {
  expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
  expect(response.statusCode, response.body).toBeLessThan(500);
  expect(response.json()).toHaveProperty('detail');
}

/** Sends a raw (possibly invalid) body as the tenant. */
export function sendRaw(
  app: FastifyInstance,
  tenant: Tenant,
  method: InjectOptions['method'],
  url: string,
  payload: string | Buffer | undefined,
  contentType = 'application/json',
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url,
    headers: { ...tenant.headers, 'content-type': contentType },
    ...(payload === undefined ? {} : { payload }),
  });
}

/** A second principal on the tenant's business holding only `scopes`; it reaches one business. */
export async function limitedToken(env: TestEnv, tenant: Tenant, scopes: string[]): Promise<{ token: string; principalId: string }> {
  return createApiToken(env.database.db, { businessId: tenant.id, name: `limited ${scopes.join(' ')}`, scopes });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Number of records of a catalog list, as the API reports it. */
export async function countOf(tenant: Tenant, path: string): Promise<number> {
  const response = await tenant.get(`${path}?include_total=true&limit=1`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { total: number }).total;
}
