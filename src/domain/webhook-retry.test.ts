import { describe, expect, it } from 'vitest';
import { attemptOutcome, FAILING_DISABLE_MS } from './webhook-retry.ts';

const SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 36000];
const now = new Date('2026-11-28T12:00:00Z');
const base = { statusCode: 500, retryAfterMs: null, attempts: 1, schedule: SCHEDULE, now, failingSince: null, random: () => 0.5 };

describe('attemptOutcome', () => {
  it('delivers on any 2xx', () => {
    for (const statusCode of [200, 201, 204, 299]) expect(attemptOutcome({ ...base, statusCode }).status).toBe('delivered');
  });

  it('retries after the scheduled delay for the next attempt, jittered by at most 10 %', () => {
    const at = (attempts: number, random: number) => (attemptOutcome({ ...base, attempts, random: () => random }).nextAt as Date).getTime() - now.getTime();
    expect(at(1, 0.5)).toBe(5_000);
    expect(at(2, 0.5)).toBe(300_000);
    expect(at(1, 0)).toBe(4_500);
    expect(at(1, 1)).toBe(5_500);
    expect(at(7, 0.5)).toBe(36_000_000);
  });

  it('fails after the last scheduled attempt', () => {
    expect(attemptOutcome({ ...base, attempts: 8 })).toEqual({ status: 'failed', nextAt: null, disable: null });
    expect(attemptOutcome({ ...base, attempts: 1, schedule: [0] }).status).toBe('failed');
  });

  it('honours a Retry-After longer than the next delay, capped at a day', () => {
    expect((attemptOutcome({ ...base, retryAfterMs: 60_000 }).nextAt as Date).getTime() - now.getTime()).toBe(60_000);
    expect((attemptOutcome({ ...base, retryAfterMs: 1_000 }).nextAt as Date).getTime() - now.getTime()).toBe(5_000);
    expect((attemptOutcome({ ...base, retryAfterMs: 9e9 }).nextAt as Date).getTime() - now.getTime()).toBe(86_400_000);
  });

  it('treats network errors (no status) like failures', () => {
    expect(attemptOutcome({ ...base, statusCode: null }).status).toBe('pending');
  });

  it('disables on 410, and after 5 days of failing', () => {
    expect(attemptOutcome({ ...base, statusCode: 410 })).toMatchObject({ status: 'failed', disable: expect.stringContaining('410') });
    const old = new Date(now.getTime() - FAILING_DISABLE_MS);
    expect(attemptOutcome({ ...base, failingSince: old }).disable).toMatch(/5 days/);
    expect(attemptOutcome({ ...base, failingSince: new Date(now.getTime() - FAILING_DISABLE_MS + 1) }).disable).toBeNull();
  });
});
