import createFetchClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './schema.ts';

/**
 * A typed client for every Billow route, generated from the published contract
 * (docs/openapi.json → ./schema.ts by `npm run contract`) and driven by openapi-fetch:
 * paths, parameters, bodies and each status's response body (success or error, in the
 * route's own dialect) are checked by the TypeScript compiler.
 */

export type { components, operations, paths };
export type BillowClient = Client<paths>;

export interface BillowClientOptions {
  /** e.g. http://localhost:3000 (no trailing slash needed). */
  baseUrl: string;
  /** A personal access token, `bw_pat_…`; sent as `Authorization: Bearer …`. */
  token?: string;
  /** Needed only when the token reaches several businesses. */
  businessId?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof globalThis.fetch;
}

export function createClient(options: BillowClientOptions): BillowClient {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.businessId) headers['x-business-id'] = options.businessId;
  return createFetchClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
