import { describe, expect, it } from 'vitest';
import { addDays, canonicalTimeZone, parseDate, startOfDate, todayFor } from './dates.ts';

const badDate = (field: string) => expect.objectContaining({ code: 'validation.invalid', field });

describe('parseDate', () => {
  it('accepts dates and date-times, keeping the date as written', () => {
    expect(parseDate('2026-05-12', 'date')).toBe('2026-05-12');
    expect(parseDate('2026-05-12T00:00:00', 'date')).toBe('2026-05-12');
    expect(parseDate('2026-05-12T23:59:59.999Z', 'date')).toBe('2026-05-12');
    expect(parseDate('2026-05-12T23:30:00-05:00', 'date')).toBe('2026-05-12');
    expect(parseDate('2026-05-12T01:00:00+05:30', 'date')).toBe('2026-05-12');
    expect(parseDate('2024-02-29', 'date')).toBe('2024-02-29');
    expect(parseDate('2000-02-29', 'date')).toBe('2000-02-29');
  });

  it('refuses impossible dates', () => {
    for (const value of [
      '2026-02-30',
      '2026-02-29',
      '1900-02-29',
      '2026-13-01',
      '2026-00-10',
      '2026-04-31',
      '2026-05-00',
      '2026-05-12T24:00:00',
      '2026-05-12T10:60:00',
      '2026-05-12T10:00:00+25:00',
    ]) {
      expect(() => parseDate(value, 'due_date')).toThrow(badDate('due_date'));
    }
  });

  it('refuses other formats and years out of range', () => {
    for (const value of [
      '',
      '12/05/2026',
      '2026-5-12',
      '20260512',
      '2026-05-12 00:00:00',
      '2026-05-12T00:00',
      ' 2026-05-12',
      '1899-12-31',
      '0000-01-01',
      '+02026-05-12',
    ]) {
      expect(() => parseDate(value, 'date')).toThrow(badDate('date'));
    }
    expect(parseDate('1900-01-01', 'date')).toBe('1900-01-01');
    expect(parseDate('9999-12-31', 'date')).toBe('9999-12-31');
  });
});

describe('addDays', () => {
  it('adds calendar days across months, years and leap days', () => {
    expect(addDays('2026-05-12', 30)).toBe('2026-06-11');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-05-12', 0)).toBe('2026-05-12');
  });

  it('refuses bad input', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
    expect(() => addDays('2026-05-12', 1.5)).toThrow(RangeError);
    expect(() => addDays('9999-12-31', 1)).toThrow(RangeError);
  });
});

describe('todayFor', () => {
  it('is the date of the clock in the business time zone, UTC by default', () => {
    expect(todayFor({ time_zone: 'UTC' }, () => new Date('2026-05-12T23:59:59Z'))).toBe('2026-05-12');
    expect(todayFor({ time_zone: null }, () => new Date('2026-05-12T23:30:00-05:00'))).toBe('2026-05-13');
    expect(todayFor({ time_zone: 'America/New_York' }, () => new Date('2026-05-13T03:59:59Z'))).toBe('2026-05-12');
    expect(todayFor({ time_zone: 'Asia/Kolkata' }, () => new Date('2026-05-12T18:30:00Z'))).toBe('2026-05-13');
  });
});

describe('startOfDate and canonicalTimeZone', () => {
  it('midnight moves with DST in America/New_York', () => {
    expect(startOfDate('2027-03-14', 'America/New_York').toISOString()).toBe('2027-03-14T05:00:00.000Z');
    expect(startOfDate('2027-03-15', 'America/New_York').toISOString()).toBe('2027-03-15T04:00:00.000Z');
  });
  it('accepts IANA names in any case and refuses the rest', () => {
    expect(canonicalTimeZone('america/new_york')).toBe('America/New_York');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
    expect(canonicalTimeZone('+05:30')).toBeUndefined();
  });
});
