import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findGrant, secretsEqual } from '../modules/auth/tokens.ts';
import { hasScope, type Scope } from '../modules/auth/scopes.ts';
import type { Db, Principal } from '../modules/context.ts';
import { RequestError } from './problem.ts';

export interface AuthInfo {
  principal: Principal;
  /** Undefined only for admin-token requests, which act outside any business. */
  businessId: string | undefined;
  scopes: string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * 'token' (default): a personal access token with `scope`; 'admin': BILLOW_ADMIN_TOKEN;
     * 'metrics': METRICS_TOKEN, or a loopback client when it is unset; 'none': public.
     */
    auth?: 'token' | 'admin' | 'metrics' | 'none';
    scope?: Scope;
  }
  interface FastifyRequest {
    auth: AuthInfo | undefined;
  }
}

const ADMIN_PRINCIPAL: Principal = { id: 'admin', name: 'Billow admin', type: 'admin' };

/** The token from `Authorization: Bearer …` or the `accessToken` header (seeds/003). */
export function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization ?? request.headers.accesstoken;
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const match = /^\s*(?:Bearer\s+)?(\S+)\s*$/i.exec(value);
  return match?.[1];
}

const unauthorized = () => new RequestError(401, 'auth.unauthenticated', 'Invalid or missing access token');
const forbidden = (message: string) => new RequestError(403, 'auth.forbidden', message);

function chooseBusiness(request: FastifyRequest, reachable: string[]): string {
  const header = request.headers['x-business-id'];
  const asked = Array.isArray(header) ? header[0] : header;
  if (asked !== undefined) {
    if (!reachable.includes(asked)) throw forbidden('Unknown or unreachable business.');
    return asked;
  }
  if (reachable.length === 1 && reachable[0]) return reachable[0];
  throw forbidden('Header x-business-id is required: this token reaches several businesses.');
}

/** The secrets of the environment that authorize routes outside any business. */
export interface AuthSecrets {
  adminToken: string | undefined;
  metricsToken: string | undefined;
}

const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');

/** /metrics: its own token when set; without one, only a scraper on this host (it tells what runs here). */
function authorizeMetrics(request: FastifyRequest, metricsToken: string | undefined): void {
  if (!metricsToken) {
    if (!isLoopback(request.ip)) throw forbidden('GET /metrics answers loopback clients only; set METRICS_TOKEN to scrape it from elsewhere.');
    return;
  }
  const token = presentedToken(request);
  if (!token || !secretsEqual(token, metricsToken)) throw unauthorized();
}

async function authenticate(request: FastifyRequest, db: Db, secrets: AuthSecrets): Promise<AuthInfo | undefined> {
  const mode = request.routeOptions.config.auth ?? 'token';
  // The docs UI is public; its routes come from a plugin, so they are recognised by path.
  if (mode === 'none' || request.is404 || request.routeOptions.url?.startsWith('/docs')) return undefined;
  if (mode === 'metrics') {
    authorizeMetrics(request, secrets.metricsToken);
    return undefined;
  }
  const token = presentedToken(request);
  if (!token) throw unauthorized();
  if (mode === 'admin') {
    if (secrets.adminToken && secretsEqual(token, secrets.adminToken)) return { principal: ADMIN_PRINCIPAL, businessId: undefined, scopes: ['*'] };
    // A valid business token is known, just not enough here: say what is needed.
    if (await findGrant(db, token)) throw forbidden('This route needs the admin token (BILLOW_ADMIN_TOKEN), not a business token.');
    throw unauthorized();
  }
  const grant = await findGrant(db, token);
  if (!grant) throw unauthorized();
  const businessId = chooseBusiness(request, grant.businessIds);
  const scope = request.routeOptions.config.scope;
  if (scope && !hasScope(grant.scopes, scope)) throw forbidden(`This token lacks the scope ${scope}.`);
  return { principal: grant.principal, businessId, scopes: grant.scopes };
}

/**
 * Failed authentications per client address in fixed one-minute windows. While an address is
 * over the limit every authenticated request from it is refused with 429 before its token is
 * looked at, so guessing a token (the admin token included) gains nothing from more tries.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { failures: number; endsAt: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `address` may try again, or 0. */
  retryAfter(address: string): number {
    const window = this.windows.get(address);
    if (!window || window.endsAt <= this.now() || window.failures < this.perMinute) return 0;
    return Math.ceil((window.endsAt - this.now()) / 1000);
  }

  record(address: string): void {
    const now = this.now();
    const window = this.windows.get(address);
    if (window && window.endsAt > now) window.failures++;
    else this.windows.set(address, { failures: 1, endsAt: now + 60_000 });
    // Bounded memory under a spray of addresses: drop the windows that have ended.
    if (this.windows.size > 10_000) for (const [key, w] of this.windows) if (w.endsAt <= now) this.windows.delete(key);
  }
}

export function registerAuth(app: FastifyInstance, db: Db, secrets: AuthSecrets, failuresPerMinute: number): void {
  app.decorateRequest('auth', undefined);
  const limiter = failuresPerMinute > 0 ? new FailureLimiter(failuresPerMinute) : undefined;
  app.addHook('onRequest', async (request) => {
    const mode = request.routeOptions.config.auth ?? 'token';
    const wait = mode === 'none' ? 0 : (limiter?.retryAfter(request.ip) ?? 0);
    if (wait > 0) {
      throw new RequestError(429, 'auth.rate_limited', `Too many failed authentications from this address; retry in ${wait} s.`, { 'retry-after': String(wait) });
    }
    try {
      request.auth = await authenticate(request, db, secrets);
    } catch (error) {
      // Only a presented, wrong credential is a guess; a request without one is not counted.
      if (error instanceof RequestError && error.status === 401 && presentedToken(request)) limiter?.record(request.ip);
      throw error;
    }
  });
}

/**
 * Scopes a request needs beyond its route's own because of what its body asks for (finalize,
 * send, sweep charges, mark orders, read a file): each effect needs the scope of the route that
 * does it alone (docs/scopes.md). Called before the use case, so nothing is written without it.
 */
export function requireScopes(request: FastifyRequest, needed: (Scope | false | undefined)[]): void {
  const granted = request.auth?.scopes ?? [];
  const missing = needed.find((scope): scope is Scope => Boolean(scope) && !hasScope(granted, scope as Scope));
  if (missing) throw forbidden(`This token lacks the scope ${missing}, which this request needs for what its body asks.`);
}

/** Scopes the document flags of a create body need: auto_approve finalizes, auto_send also sends. */
export function documentFlagScopes(resource: 'invoices' | 'bills', documents: unknown[]): Scope[] {
  const flag = (name: string) => documents.some((d) => d !== null && typeof d === 'object' && (d as Record<string, unknown>)[name] === true);
  return flag('auto_approve') || flag('auto_send') ? [`${resource}.UPDATE`] : [];
}

/** The business of an authenticated tenant request (routes with auth 'token'). */
export function businessOf(request: FastifyRequest): { businessId: string; principal: Principal } {
  const auth = request.auth;
  if (!auth?.businessId) throw new Error('route requires a business-scoped token');
  return { businessId: auth.businessId, principal: auth.principal };
}
