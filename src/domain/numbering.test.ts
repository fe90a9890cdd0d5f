import { describe, expect, it } from 'vitest';
import { fiscalYearOf, fiscalYearShort, formatDocumentNumber, isValidPrefix } from './numbering.ts';

describe('fiscalYearOf', () => {
  it('starts in April by default', () => {
    expect(fiscalYearOf('2026-05-12')).toBe('2026-27');
    expect(fiscalYearOf('2026-04-01')).toBe('2026-27');
    expect(fiscalYearOf('2026-03-31')).toBe('2025-26');
    expect(fiscalYearOf('2026-02-01')).toBe('2025-26');
    expect(fiscalYearOf('2099-12-31')).toBe('2099-00');
  });

  it('uses the calendar year when it starts in January', () => {
    expect(fiscalYearOf('2026-01-01', 1)).toBe('2026');
    expect(fiscalYearOf('2026-12-31', 1)).toBe('2026');
  });

  it('supports other start months', () => {
    expect(fiscalYearOf('2026-06-30', 7)).toBe('2025-26');
    expect(fiscalYearOf('2026-07-01', 7)).toBe('2026-27');
  });

  it('refuses bad input', () => {
    expect(() => fiscalYearOf('12/05/2026')).toThrow(RangeError);
    expect(() => fiscalYearOf('2026-05-12', 13)).toThrow(RangeError);
  });
});

describe('formatDocumentNumber', () => {
  it('pads the counter after the prefix', () => {
    expect(formatDocumentNumber({ prefix: 'INV-', counter: 42, padding: 5 })).toBe('INV-00042');
    expect(formatDocumentNumber({ prefix: '', counter: 7, padding: 0 })).toBe('7');
    expect(formatDocumentNumber({ prefix: 'B/', counter: 123_456, padding: 4 })).toBe('B/123456');
  });

  it('adds the short fiscal year when the series resets yearly', () => {
    expect(fiscalYearShort('2026-27')).toBe('2627');
    expect(fiscalYearShort('2026')).toBe('2026');
    expect(
      formatDocumentNumber({ prefix: 'INV/', counter: 1, padding: 4, fiscalYear: '2026-27' }),
    ).toBe('INV/2627-0001');
    expect(formatDocumentNumber({ prefix: 'INV-', counter: 1, padding: 4, fiscalYear: null })).toBe(
      'INV-0001',
    );
  });

  it('keeps to 16 characters', () => {
    expect(formatDocumentNumber({ prefix: 'ABCDEFGHIJ-', counter: 1, padding: 5 })).toHaveLength(
      16,
    );
    expect(() =>
      formatDocumentNumber({ prefix: 'ABCDEFGHIJ-', counter: 100_000, padding: 5 }),
    ).toThrow(expect.objectContaining({ code: 'validation.invalid' }));
  });

  it('refuses a prefix GST does not allow', () => {
    expect(isValidPrefix('INV-2026/')).toBe(true);
    expect(isValidPrefix('')).toBe(true);
    for (const prefix of ['INV ', 'INV_', 'INV#', 'ÍNV', 'A'.repeat(16)]) {
      expect(isValidPrefix(prefix)).toBe(false);
    }
    expect(() => formatDocumentNumber({ prefix: 'INV#', counter: 1, padding: 4 })).toThrow(
      expect.objectContaining({ code: 'validation.invalid', field: 'prefix' }),
    );
  });

  it('refuses impossible counters', () => {
    expect(() => formatDocumentNumber({ prefix: 'I', counter: 0, padding: 4 })).toThrow(RangeError);
    expect(() => formatDocumentNumber({ prefix: 'I', counter: 1.5, padding: 4 })).toThrow(
      RangeError,
    );
  });
});
