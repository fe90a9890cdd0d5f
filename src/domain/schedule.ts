import { DateTime } from 'luxon';
import { invalid } from './errors.ts';

/**
 * The calendar of a recurring template (SPEC §11). Dates are calendar dates (YYYY-MM-DD) with
 * no time of day: the business's time zone only decides which date is "today" (dates.ts), so a
 * DST change can never move a scheduled date. Month and year arithmetic is Luxon's, which
 * clamps to the month's last day (31 → 28/29 February, 30 April). Pure.
 */
export type Frequency = 'day' | 'week' | 'month' | 'year';
export const FREQUENCIES: Frequency[] = ['day', 'week', 'month', 'year'];
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface Schedule {
  frequency: Frequency;
  interval: number;
  day_of_month?: number | 'last' | undefined;
  weekday?: Weekday | undefined;
}

export type End = { type: 'never' } | { type: 'on_date'; date: string } | { type: 'after_count'; count: number };

export const MAX_INTERVAL = 365;

const calendar = (date: string) => DateTime.fromISO(date, { zone: 'utc' });
const iso = (date: DateTime) => date.toISODate() as string;

/** Checks what the schema cannot: which fields go with which frequency. Throws naming the field. */
export function assertSchedule(schedule: Schedule, field = 'schedule'): void {
  if (!FREQUENCIES.includes(schedule.frequency)) throw invalid(`frequency must be one of ${FREQUENCIES.join(', ')}.`, `${field}.frequency`);
  if (!Number.isInteger(schedule.interval) || schedule.interval < 1 || schedule.interval > MAX_INTERVAL) {
    throw invalid(`interval must be a whole number from 1 to ${MAX_INTERVAL}.`, `${field}.interval`);
  }
  const dom = schedule.day_of_month;
  if (dom !== undefined && schedule.frequency !== 'month') throw invalid('day_of_month applies to monthly schedules only.', `${field}.day_of_month`);
  if (dom !== undefined && dom !== 'last' && (!Number.isInteger(dom) || dom < 1 || dom > 31)) {
    throw invalid('day_of_month must be 1 to 31 or "last".', `${field}.day_of_month`);
  }
  if (schedule.weekday !== undefined && schedule.frequency !== 'week') throw invalid('weekday applies to weekly schedules only.', `${field}.weekday`);
  if (schedule.weekday !== undefined && !WEEKDAYS.includes(schedule.weekday)) throw invalid(`weekday must be one of ${WEEKDAYS.join(', ')}.`, `${field}.weekday`);
}

function dayIn(month: DateTime, dayOfMonth: number | 'last'): number {
  const last = month.daysInMonth as number;
  return dayOfMonth === 'last' ? last : Math.min(dayOfMonth, last);
}

/** The first scheduled date on or after `start`: the series' anchor. */
function anchorOf(schedule: Schedule, start: DateTime): DateTime {
  const { day_of_month: dom, weekday } = schedule;
  if (schedule.frequency === 'week' && weekday !== undefined) {
    const target = WEEKDAYS.indexOf(weekday) + 1;
    return start.plus({ days: (target - start.weekday + 7) % 7 });
  }
  if (schedule.frequency === 'month' && dom !== undefined) {
    const month = start.startOf('month');
    const inMonth = month.set({ day: dayIn(month, dom) });
    if (inMonth >= start) return inMonth;
    const next = month.plus({ months: 1 });
    return next.set({ day: dayIn(next, dom) });
  }
  return start;
}

/** Date k (0-based) of the series, always computed from the anchor so a clamped day never drifts. */
function nth(schedule: Schedule, anchor: DateTime, k: number): DateTime {
  const step = k * schedule.interval;
  switch (schedule.frequency) {
    case 'day':
      return anchor.plus({ days: step });
    case 'week':
      return anchor.plus({ weeks: step });
    case 'month': {
      const month = anchor.startOf('month').plus({ months: step });
      return month.set({ day: dayIn(month, schedule.day_of_month ?? anchor.day) });
    }
    case 'year':
      return anchor.plus({ years: step });
  }
}

const UNIT = { day: 'days', week: 'weeks', month: 'months', year: 'years' } as const;

/** The first date of the series that starts at `start` and is on or after `from`. */
export function firstDateFrom(schedule: Schedule, start: string, from: string): string {
  const anchor = anchorOf(schedule, calendar(start));
  const target = calendar(from);
  if (target <= anchor) return iso(anchor);
  const unit = UNIT[schedule.frequency];
  // An estimate just below the answer, then forward: the series is increasing.
  let k = Math.max(0, Math.floor(target.diff(anchor, unit).as(unit) / schedule.interval) - 1);
  while (nth(schedule, anchor, k) < target) k++;
  return iso(nth(schedule, anchor, k));
}

/** The scheduled date after `date`. */
export function dateAfter(schedule: Schedule, start: string, date: string): string {
  return firstDateFrom(schedule, start, iso(calendar(date).plus({ days: 1 })));
}

/** Whether a series that has made `generated` invoices may make one on `date`. */
export function withinEnd(end: End, date: string, generated: number): boolean {
  if (end.type === 'on_date') return date <= end.date;
  if (end.type === 'after_count') return generated < end.count;
  return true;
}

/** Up to `count` dates from `first` on, as far as `end` allows. */
export function upcomingDates(schedule: Schedule, start: string, first: string, end: End, generated: number, count: number): string[] {
  const dates: string[] = [];
  let date = first;
  while (dates.length < count && withinEnd(end, date, generated + dates.length)) {
    dates.push(date);
    date = dateAfter(schedule, start, date);
  }
  return dates;
}
