/**
 * Typed domain errors with stable dotted codes. Use cases throw these; each HTTP
 * surface maps them to its own wire format in one place. No HTTP types here.
 */
export type ErrorCode =
  | 'validation.required'
  | 'validation.invalid'
  | 'validation.too_large'
  | 'not_found.resource'
  | 'conflict.duplicate'
  | 'conflict.in_use'
  | 'conflict.in_flight'
  | 'state.invalid'
  | 'idempotency.mismatch'
  | 'idempotency.invalid_key';

const STATUS: Record<ErrorCode, number> = {
  'validation.required': 422,
  'validation.invalid': 422,
  'validation.too_large': 422,
  'not_found.resource': 404,
  'conflict.duplicate': 409,
  'conflict.in_use': 409,
  'conflict.in_flight': 409,
  'state.invalid': 409,
  'idempotency.mismatch': 422,
  'idempotency.invalid_key': 400,
};

export class DomainError extends Error {
  readonly code: ErrorCode;
  /** Field path in the input, e.g. `line_items[0].item_id`; absent for request-wide errors. */
  readonly field: string | undefined;
  /** Where the field was sent; input is the request body unless said otherwise. */
  readonly source: 'body' | 'query' | 'path';

  constructor(code: ErrorCode, message: string, field?: string, source: 'body' | 'query' | 'path' = 'body') {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.field = field;
    this.source = source;
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export const invalid = (message: string, field?: string, source?: 'body' | 'query' | 'path') =>
  new DomainError('validation.invalid', message, field, source);

export const required = (field: string) =>
  new DomainError('validation.required', `Field '${field}' is required.`, field);

/**
 * Several input errors reported at once (all-or-nothing batches): the first one gives the
 * code, status and message; surfaces that list issues show them all.
 */
export class DomainErrors extends DomainError {
  constructor(readonly errors: [DomainError, ...DomainError[]]) {
    const [first] = errors;
    super(first.code, first.message, first.field, first.source);
    this.name = 'DomainErrors';
  }
}

/** The same error, its field placed under `prefix`: an item of a request's list (`items[3]`). */
export const within = (error: DomainError, prefix: string) =>
  new DomainError(error.code, error.message, error.field ? `${prefix}.${error.field}` : prefix, error.source);

export const notFound = (what: string, id: string, field?: string) =>
  new DomainError('not_found.resource', `${what} '${id}' not found in this business.`, field);

/** One failure at an exact location, e.g. `['csv', 3, 'quantity']` (row 3 of a CSV file). */
export interface Issue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** Several validation failures at once, each with its own location (a CSV file's rows). */
export class ValidationErrors extends DomainError {
  constructor(readonly issues: Issue[]) {
    super('validation.invalid', issues[0]?.msg ?? 'Invalid input.');
  }
}
