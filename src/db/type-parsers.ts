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

function parseTimestamp(text: string): string {
  // PostgreSQL prints "2026-05-12 10:00:00.123+00"; Date understands it once the space is a 'T'.
  const iso = text.includes('T') ? text : text.replace(' ', 'T');
  const withZone = /[zZ]|[+-]\d\d(:?\d\d)?$/.test(iso) ? iso : `${iso}Z`;
  return new Date(withZone.replace(/([+-]\d\d)$/, '$1:00')).toISOString();
}

export const TYPE_PARSERS: Record<number, (text: string) => unknown> = {
  [OID.int8]: parseInt8,
  [OID.numeric]: identity,
  [OID.date]: identity,
  [OID.timestamp]: parseTimestamp,
  [OID.timestamptz]: parseTimestamp,
};
