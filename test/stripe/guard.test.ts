import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { stripeGuard } from '../helpers/stripe-guard.ts';

describe('offline guard', () => {
  it("an SDK call to Stripe's real host fails at once and is recorded, which fails the test file", async () => {
    const stripe = new Stripe('sk_test_guard', { maxNetworkRetries: 0 });
    await expect(stripe.customers.list()).rejects.toThrow();
    expect(stripeGuard.attempts).toContain('api.stripe.com');
    await expect(fetch('https://api.stripe.com/v1/charges')).rejects.toThrow();
    expect(stripeGuard.attempts.filter((h) => h === 'api.stripe.com').length).toBeGreaterThanOrEqual(2);
    // These attempts were this test's own: the file's afterAll would fail on them otherwise.
    stripeGuard.attempts.splice(0);
  });
});
