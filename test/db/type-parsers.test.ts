import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestamp, parseTimestampSlow } from '../../src/db/type-parsers.ts';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Timestamp text as PostgreSQL prints it in a UTC session: fractions trimmed of trailing zeros. */
const printed = fc
  .record({ ms: fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59) }), micros: fc.integer({ min: 0, max: 999_999 }) })
  .map(({ ms, micros }) => {
    const d = new Date(Math.floor(ms / 1000) * 1000);
    const day = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
    const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
    const fraction = micros === 0 ? '' : `.${pad(micros, 6).replace(/0+$/, '')}`;
    return `${day} ${time}${fraction}+00`;
  });

describe('timestamp parser', () => {
  it('the UTC fast path gives what the general path gives', () => {
    fc.assert(
      fc.property(printed, (text) => {
        expect(parseTimestamp(text)).toBe(parseTimestampSlow(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('other forms take the general path', () => {
    expect(parseTimestamp('2026-05-12 10:00:00.5+05:30')).toBe('2026-05-12T04:30:00.500Z');
    expect(parseTimestamp('2026-05-12T10:00:00Z')).toBe('2026-05-12T10:00:00.000Z');
    expect(parseTimestamp('2026-05-12 10:00:00')).toBe('2026-05-12T10:00:00.000Z');
    expect(parseTimestamp('2026-05-12 10:00:00.1234567+00')).toBe('2026-05-12T10:00:00.123Z');
  });
});
