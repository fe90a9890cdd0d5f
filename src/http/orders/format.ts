import type { ProblemFormatter } from '../errors.ts';

/** The seeds/003 message for any server fault: no detail, never a stack. */
export const SERVER_ERROR_MESSAGE = 'An error occurred while creating invoices';

/**
 * seeds/003 errors: always `{"success": false, "message"}`. This dialect knows no 422: a
 * request the schema or the engine refuses is a 400 "Validation error: …".
 */
export const formatOrders: ProblemFormatter = (problem) => {
  if (problem.status >= 500) return { status: problem.status, body: { success: false, message: SERVER_ERROR_MESSAGE } };
  if (problem.status === 422) return { status: 400, body: { success: false, message: `Validation error: ${problem.message}` } };
  return { status: problem.status, body: { success: false, message: problem.message } };
};
