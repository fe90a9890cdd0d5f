import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import type { Config } from '../../config.ts';

/**
 * The Stripe API version Billow is written against, pinned with the SDK (stripe 23.2.0 in
 * package.json): event and object shapes do not move under it when Stripe releases a new one.
 */
export const STRIPE_API_VERSION = '2026-11-18.endive' as const;

/**
 * Spaces the requests to one Stripe account evenly at `perSecond`, and stops them all for
 * Retry-After when Stripe answers 429: the budget is the account's, not one job's.
 */
class Pacer {
  private next = 0;

  constructor(private readonly perSecond: number) {}

  async take(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await sleep(at - now);
  }

  pause(ms: number): void {
    this.next = Math.max(this.next, Date.now() + ms);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface StripeAccount {
  stripe: Stripe;
  pacer: Pacer;
}

const accounts = new Map<string, StripeAccount>();

let sdk: Promise<typeof Stripe> | undefined;

/**
 * The SDK, loaded on first use: its few hundred modules cost seconds of start-up on a busy
 * machine, and most processes (and every business without Stripe) never need them.
 */
export function loadStripe(): Promise<typeof Stripe> {
  sdk ??= import('stripe').then((module) => module.default);
  return sdk;
}

/**
 * One SDK client (and its keep-alive sockets) and one pacer per secret key in this process.
 * The SDK's own retries are off: it ignores Retry-After, so callStripe retries instead.
 */
export async function stripeAccount(config: Config, secretKey: string): Promise<StripeAccount> {
  const id = createHash('sha256').update(secretKey).digest('base64url');
  let account = accounts.get(id);
  if (!account) {
    const Sdk = await loadStripe();
    const stripe = new Sdk(secretKey, {
      apiVersion: STRIPE_API_VERSION,
      maxNetworkRetries: 0,
      timeout: 30_000,
      telemetry: false,
      appInfo: { name: 'Billow' },
      ...(config.stripeApi ?? {}),
    });
    account = { stripe, pacer: new Pacer(config.stripeRequestsPerSecond) };
    accounts.set(id, account);
  }
  return account;
}

const MAX_TRIES = 8;
const MAX_DELAY_MS = 30_000;

/** Stripe's 429 (rate limit), 5xx and lost connections are worth retrying; anything else is an answer. */
export function isTransient(error: unknown): boolean {
  const e = error as { type?: unknown; statusCode?: number };
  if (e?.type === 'StripeConnectionError') return true;
  return isStripeError(error) && e.statusCode !== undefined && (e.statusCode === 429 || e.statusCode >= 500);
}

/** The SDK's errors carry their class name in `type` (StripeInvalidRequestError, StripeAPIError, …). */
export function isStripeError(error: unknown): error is Stripe.errors.StripeError {
  const type = (error as { type?: unknown } | null)?.type;
  return error instanceof Error && typeof type === 'string' && type.startsWith('Stripe');
}

function retryAfterMs(error: unknown): number | undefined {
  const header = (error as { headers?: Record<string, string> }).headers?.['retry-after'];
  const seconds = header === undefined ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, MAX_DELAY_MS) : undefined;
}

const backoffMs = (attempt: number) => Math.min(500 * 2 ** (attempt - 1), MAX_DELAY_MS) * (0.5 + Math.random() / 2);

/**
 * One Stripe call, paced, retried on 429 / 5xx / connection errors with backoff that honours
 * Retry-After. Every call that writes carries an idempotency key, so a retry of a request
 * Stripe did process returns its first answer instead of doing it twice. After MAX_TRIES the
 * error is thrown: the job is retried later (transient) or the push fails (anything else).
 */
export async function callStripe<T>(account: StripeAccount, call: (stripe: Stripe) => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await account.pacer.take();
    try {
      return await call(account.stripe);
    } catch (error) {
      if (!isTransient(error) || attempt >= MAX_TRIES || signal?.aborted) throw error;
      const after = retryAfterMs(error);
      if ((error as { statusCode?: number }).statusCode === 429) account.pacer.pause(after ?? backoffMs(attempt));
      await sleep(after ?? backoffMs(attempt));
    }
  }
}
