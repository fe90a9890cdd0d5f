/**
 * One JS type convention for both drivers (pg and PGlite return different types for the
 * same SQL): int8 → number with a safe-integer guard, numeric → exact string,
 * date → 'YYYY-MM-DD' as stored, timestamps → ISO-8601 strings.
 */
export const OID = {
  int8: 20,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
} as const;

export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint value ${text} exceeds the safe integer range`);
  return value;
}

const identity = (text: string) => text;

/** Any timestamp text PostgreSQL prints, through Date: the general path. */
export function parseTimestampSlow(text: string): string {
  // PostgreSQL prints "2026-05-12 10:00:00.123+00"; Date understands it once the space is a 'T'.
  const iso = text.includes('T') ? text : text.replace(' ', 'T');
  const withZone = /[zZ]|[+-]\d\d(:?\d\d)?$/.test(iso) ? iso : `${iso}Z`;
  return new Date(withZone.replace(/([+-]\d\d)$/, '$1:00')).toISOString();
}

/** "YYYY-MM-DD HH:MM:SS[.ffffff]+00": what a session in UTC (the usual server default) prints for a timestamptz. */
const UTC_TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * Timestamps as ISO-8601 with milliseconds, like Date#toISOString, whatever the session's time
 * zone: Billow sets none (a startup parameter is refused by PgBouncer, and a session setting
 * does not survive transaction pooling). The UTC form is rewritten as text (rows of a bulk call hold hundreds of timestamps;
 * Date and its regexes were 0.1 ms of a 50-invoice call); anything else takes the general path.
 */
export function parseTimestamp(text: string): string {
  const m = UTC_TIMESTAMP.exec(text);
  if (!m) return parseTimestampSlow(text);
  const fraction = m[3] ?? '';
  const millis = fraction.length >= 3 ? fraction.slice(0, 3) : fraction.padEnd(3, '0');
  return `${m[1]}T${m[2]}.${millis}Z`;
}

export const TYPE_PARSERS: Record<number, (text: string) => unknown> = {
  [OID.int8]: parseInt8,
  [OID.numeric]: identity,
  [OID.date]: identity,
  [OID.timestamp]: parseTimestamp,
  [OID.timestamptz]: parseTimestamp,
};
