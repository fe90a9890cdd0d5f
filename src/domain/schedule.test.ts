import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { assertSchedule, dateAfter, firstDateFrom, type Schedule, upcomingDates } from './schedule.ts';

const series = (schedule: Schedule, start: string, count: number) => upcomingDates(schedule, start, firstDateFrom(schedule, start, start), { type: 'never' }, 0, count);

describe('schedule', () => {
  it('day_of_month 31 gives 29 February in a leap year, 28 otherwise, and 30 April', () => {
    const monthly: Schedule = { frequency: 'month', interval: 1, day_of_month: 31 };
    expect(series(monthly, '2028-01-01', 5)).toEqual(['2028-01-31', '2028-02-29', '2028-03-31', '2028-04-30', '2028-05-31']);
    expect(series(monthly, '2027-02-01', 2)).toEqual(['2027-02-28', '2027-03-31']);
  });

  it('"last" is always the last day; a start on the 31st without day_of_month keeps the 31st after February', () => {
    expect(series({ frequency: 'month', interval: 1, day_of_month: 'last' }, '2028-02-10', 3)).toEqual(['2028-02-29', '2028-03-31', '2028-04-30']);
    expect(series({ frequency: 'month', interval: 1 }, '2027-01-31', 3)).toEqual(['2027-01-31', '2027-02-28', '2027-03-31']);
  });

  it('a day_of_month already past in the start month begins the next month; intervals skip months', () => {
    expect(series({ frequency: 'month', interval: 3, day_of_month: 5 }, '2027-01-20', 3)).toEqual(['2027-02-05', '2027-05-05', '2027-08-05']);
  });

  it('weekly on a weekday, daily with an interval, yearly from 29 February', () => {
    // 2027-03-10 is a Wednesday.
    expect(series({ frequency: 'week', interval: 2, weekday: 'mon' }, '2027-03-10', 3)).toEqual(['2027-03-15', '2027-03-29', '2027-04-12']);
    expect(series({ frequency: 'day', interval: 10 }, '2027-12-25', 2)).toEqual(['2027-12-25', '2028-01-04']);
    expect(series({ frequency: 'year', interval: 1 }, '2028-02-29', 5)).toEqual(['2028-02-29', '2029-02-28', '2030-02-28', '2031-02-28', '2032-02-29']);
  });

  it('firstDateFrom finds the same date as stepping through the series', () => {
    const schedule: Schedule = { frequency: 'month', interval: 2, day_of_month: 30 };
    const all = series(schedule, '2027-01-01', 40);
    expect(firstDateFrom(schedule, '2027-01-01', '2029-06-01')).toBe(all.find((d) => d >= '2029-06-01'));
    expect(dateAfter(schedule, '2027-01-01', all[3] as string)).toBe(all[4]);
  });

  it('ends on a date or after a count', () => {
    const daily: Schedule = { frequency: 'day', interval: 1 };
    expect(upcomingDates(daily, '2027-01-01', '2027-01-01', { type: 'on_date', date: '2027-01-03' }, 0, 10)).toEqual(['2027-01-01', '2027-01-02', '2027-01-03']);
    expect(upcomingDates(daily, '2027-01-01', '2027-01-02', { type: 'after_count', count: 3 }, 1, 10)).toEqual(['2027-01-02', '2027-01-03']);
  });

  it('refuses fields that do not belong to the frequency, naming them', () => {
    expect(() => assertSchedule({ frequency: 'month', interval: 1, weekday: 'mon' })).toThrow(/weekday/);
    expect(() => assertSchedule({ frequency: 'week', interval: 1, day_of_month: 3 })).toThrow(/day_of_month/);
    expect(() => assertSchedule({ frequency: 'month', interval: 1, day_of_month: 32 })).toThrow(/day_of_month/);
    expect(() => assertSchedule({ frequency: 'month', interval: 0 })).toThrow(/interval/);
  });

  it('property: monthly dates increase, fall in successive months and never exceed the day asked for', () => {
    const day = fc.oneof(fc.integer({ min: 1, max: 31 }), fc.constant('last' as const));
    const start = fc.date({ min: new Date('2000-01-01'), max: new Date('2090-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, fc.integer({ min: 1, max: 13 }), start, (dom, interval, from) => {
        const dates = series({ frequency: 'month', interval, day_of_month: dom }, from, 8);
        expect(dates[0] as string >= from).toBe(true);
        dates.forEach((date, i) => {
          const dt = DateTime.fromISO(date);
          if (dom === 'last') expect(dt.day).toBe(dt.daysInMonth);
          else expect(dt.day).toBe(Math.min(dom, dt.daysInMonth as number));
          if (i > 0) expect(dt.diff(DateTime.fromISO(dates[i - 1] as string).startOf('month'), 'months').months).toBeGreaterThanOrEqual(interval);
        });
      }),
      { numRuns: 300 },
    );
  });
});
