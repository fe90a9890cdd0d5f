import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, type TestEnv, testApp } from '../helpers/app.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await testApp();
});
afterAll(() => env.app.close());

describe('the orders routes in GET /openapi.json', () => {
  it('each declares tags, summary, description, body or params, and its responses', async () => {
    const doc = (await env.app.inject({ url: '/openapi.json' })).json() as Json;
    const routes: [string, string, string[]][] = [
      ['/invoices/bulk', 'post', ['201', '400', '401', '403', '404', '500']],
      ['/bulk/orders', 'post', ['200', '400', '401', '403', '422']],
      ['/api/v1/orders', 'post', ['201', '401', '403', '404', '409', '422']],
      ['/api/v1/orders', 'get', ['200', '401', '403', '422']],
      ['/api/v1/orders/{id}', 'get', ['200', '401', '403', '404']],
      ['/api/v1/orders/{id}/cancel', 'post', ['200', '401', '403', '404', '409']],
    ];
    for (const [path, method, statuses] of routes) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation.tags.length).toBeGreaterThan(0);
      expect(operation.summary).toEqual(expect.any(String));
      expect(operation.description).toEqual(expect.any(String));
      for (const status of statuses) expect(operation.responses[status], `${method} ${path} ${status}`).toBeDefined();
    }
    const body = doc.paths['/invoices/bulk'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['orderIds']);
    expect(body.properties.orderIds).toMatchObject({ type: 'array', minItems: 1 });
  });
});
