import type { DomainError } from '../../domain/errors.ts';
import type { ProblemFormatter } from '../errors.ts';

/** seeds/000 request-level errors: `{"code": <http status>, "message", "error": {code, message, field}}`. */
export const formatBulk: ProblemFormatter = (problem) => ({
  status: problem.status,
  body: {
    code: problem.status,
    message: problem.message,
    error: { code: problem.code, message: problem.message, field: problem.field ?? null },
  },
});

export const itemError = (error: DomainError) => ({ code: error.code, message: error.message, field: error.field ?? null });
