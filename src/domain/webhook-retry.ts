/** What one webhook attempt means for its delivery and its endpoint (pure; see docs/webhooks.md). */
export interface AttemptOutcome {
  status: 'delivered' | 'pending' | 'failed';
  /** When to try again (pending only). */
  nextAt: Date | null;
  /** Set when the endpoint must be disabled, with the reason. */
  disable: string | null;
}

export const FAILING_DISABLE_MS = 5 * 86_400_000;
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * `attempts` counts this attempt. `schedule[n]` is the delay (seconds) before attempt n+1,
 * jittered by ±10 % so endpoints that failed together do not retry together; a Retry-After
 * longer than that delay is honoured (up to a day). After the last attempt the delivery fails.
 */
export function attemptOutcome(input: {
  statusCode: number | null;
  retryAfterMs: number | null;
  attempts: number;
  schedule: number[];
  now: Date;
  failingSince: Date | null;
  random?: () => number;
}): AttemptOutcome {
  const { statusCode, now } = input;
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return { status: 'delivered', nextAt: null, disable: null };
  if (statusCode === 410) return { status: 'failed', nextAt: null, disable: 'the endpoint answered 410 Gone' };
  const disable =
    input.failingSince && now.getTime() - input.failingSince.getTime() >= FAILING_DISABLE_MS ? 'the endpoint has been failing for 5 days' : null;
  const delaySeconds = input.schedule[input.attempts];
  if (delaySeconds === undefined) return { status: 'failed', nextAt: null, disable };
  const jitter = 0.9 + (input.random ?? Math.random)() * 0.2;
  const delay = Math.max(delaySeconds * 1000 * jitter, Math.min(input.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
  return { status: 'pending', nextAt: new Date(now.getTime() + delay), disable };
}
