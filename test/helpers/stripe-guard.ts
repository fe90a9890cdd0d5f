import net from 'node:net';
import tls from 'node:tls';
import { afterAll } from 'vitest';

/**
 * Tests are offline: anything that tries to reach Stripe's real hosts (the SDK without
 * STRIPE_API_URL, a stray fetch) gets an error at once, and the test file that did it fails
 * in afterAll even if the error was swallowed. A vitest setup file (vitest.config.ts).
 */
const STRIPE_HOST = /(^|\.)stripe\.(com|network)\.?$/i;

interface Guard {
  attempts: string[];
}

const state = globalThis as typeof globalThis & { stripeGuard?: Guard };

function hostOf(args: unknown[]): string | undefined {
  const [first, second] = args;
  if (first && typeof first === 'object') {
    const options = first as { host?: string; servername?: string };
    return options.host ?? options.servername;
  }
  return typeof second === 'string' ? second : undefined;
}

function guarded<F extends (...args: never[]) => unknown>(connect: F): F {
  return function (this: unknown, ...args: Parameters<F>) {
    const host = hostOf(args);
    if (host && STRIPE_HOST.test(host)) {
      state.stripeGuard?.attempts.push(host);
      throw new Error(`Tests must not reach ${host}: point the Stripe SDK at the fake (STRIPE_API_URL).`);
    }
    return connect.apply(this, args);
  } as F;
}

if (!state.stripeGuard) {
  state.stripeGuard = { attempts: [] };
  tls.connect = guarded(tls.connect);
  net.connect = guarded(net.connect);
  net.createConnection = guarded(net.createConnection);
}

export const stripeGuard = state.stripeGuard;

afterAll(() => {
  const attempts = stripeGuard.attempts.splice(0);
  if (attempts.length > 0) throw new Error(`A test tried to reach Stripe: ${attempts.join(', ')}`);
});
