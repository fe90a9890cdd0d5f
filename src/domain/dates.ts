import { DateTime, IANAZone } from 'luxon';
import { invalid } from './errors.ts';

// The calendar date as written; a time or offset, if any, is checked and then ignored.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))?)?$/;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

const MIN_YEAR = 1900;
const MAX_YEAR = 9999;
const DAY_MS = 86_400_000;

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function validTime(hour: string, minute: string, second: string): boolean {
  return Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 59;
}

function validOffset(hours: string | undefined, minutes: string | undefined): boolean {
  if (hours === undefined || minutes === undefined) return true;
  return Number(hours) <= 23 && Number(minutes) <= 59;
}

/** Accepts YYYY-MM-DD or an ISO date-time; returns the date part YYYY-MM-DD. */
export function parseDate(value: string, field: string): string {
  const match = typeof value === 'string' ? DATE_TIME.exec(value) : null;
  if (!match) throw invalid(`Field '${field}' must be a date (YYYY-MM-DD).`, field);
  const [, y = '', m = '', d = '', hour, minute, second, offsetH, offsetM] = match;
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (year < MIN_YEAR || year > MAX_YEAR) {
    throw invalid(`Field '${field}' must be a date between ${MIN_YEAR} and ${MAX_YEAR}.`, field);
  }
  const timeOk = hour === undefined || validTime(hour, minute ?? '', second ?? '');
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || !timeOk) {
    throw invalid(`Field '${field}' is not a valid date: '${value}'.`, field);
  }
  if (!validOffset(offsetH, offsetM)) {
    throw invalid(`Field '${field}' has an invalid time zone offset.`, field);
  }
  return `${y}-${m}-${d}`;
}

function formatUtcDate(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** `date` must be a valid YYYY-MM-DD (as parseDate returns). */
export function addDays(date: string, days: number): string {
  if (!Number.isSafeInteger(days)) throw new RangeError(`addDays: bad day count ${days}`);
  const match = DATE_ONLY.exec(date);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  const day = Number(match?.[3]);
  if (!match || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new RangeError(`addDays: not a date '${date}'`);
  }
  const result = formatUtcDate(Date.UTC(year, month - 1, day) + days * DAY_MS);
  if (!DATE_ONLY.test(result)) throw new RangeError(`addDays: out of range '${result}'`);
  return result;
}

/**
 * "Today" for a business: the calendar date on its clock in its time zone (IANA, default UTC).
 * Every default date and date check in Billow asks this one function (docs/recurring.md).
 */
export function todayFor(business: { time_zone: string | null }, clock: () => Date): string {
  return DateTime.fromJSDate(clock(), { zone: business.time_zone ?? 'UTC' }).toISODate() as string;
}

/** The moment a calendar date begins in a time zone (its midnight, or the first moment after a DST gap). */
export function startOfDate(date: string, timeZone: string): Date {
  return DateTime.fromISO(date, { zone: timeZone }).startOf('day').toJSDate();
}

/**
 * An IANA time zone in its usual spelling (america/new_york → America/New_York), or undefined
 * if it is not one. Names are kept otherwise: ICU would turn Asia/Kolkata into Asia/Calcutta.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (!IANAZone.isValidZone(name)) return undefined;
  return Intl.supportedValuesOf('timeZone').find((zone) => zone.toLowerCase() === name.toLowerCase()) ?? name;
}
