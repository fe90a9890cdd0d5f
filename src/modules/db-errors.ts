/** PostgreSQL error classes we turn into domain errors (same codes from pg and PGlite). */
const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

export const isUniqueViolation = (error: unknown) => codeOf(error) === '23505';
export const isForeignKeyViolation = (error: unknown) => codeOf(error) === '23503';

/** Serialization failures and deadlocks: nothing was written, and the transaction may simply run again. */
export const isRetryableConflict = (error: unknown) => codeOf(error) === '40001' || codeOf(error) === '40P01';

// Connection exceptions (class 08), shutdowns (57P01-03), statement/lock timeouts, too many connections.
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[123]|57014|55P03|53300)$/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// What pg and pg-pool throw without a code when a connection dies or none can be had in time.
const DRIVER_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;

/**
 * The database cannot serve right now (connection lost, server restarting, a timeout, a
 * conflict that kept recurring): the request did not commit and the client may retry it.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = codeOf(error);
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.test(code) || NETWORK_CODES.has(code))) return true;
  if (isRetryableConflict(error)) return true;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && DRIVER_MESSAGES.test(message);
}
