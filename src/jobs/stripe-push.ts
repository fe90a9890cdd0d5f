import { describeFailure, failPush, runPush } from '../modules/stripe/push.ts';
import { PUSH_QUEUE } from '../modules/stripe/syncs.ts';
import type { JobHandler } from './runner.ts';

/**
 * Pushes invoices to Stripe. 32 at once per process: each push is three or four sequential
 * calls and four small transactions, mostly waiting, and the account's pacer
 * (STRIPE_REQUESTS_PER_SECOND) keeps them within Stripe's rate limit together
 * (docs/PERFORMANCE.md). A push still failing on 429 / 5xx after its last attempt fails.
 */
export function stripePushHandler(): JobHandler {
  return {
    queue: PUSH_QUEUE,
    concurrency: 32,
    maxAttempts: 10,
    handle: async (job, ctx) => {
      await runPush(job, ctx);
      return undefined;
    },
    onFailed: (job, error, ctx) => failPush(job, ctx, describeFailure(error)),
  };
}
