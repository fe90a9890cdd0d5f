import { formatWithRequestId, type ProblemFormatter } from '../errors.ts';
import type { Problem } from '../problem.ts';

/**
 * The documented error responses of a wire dialect, read off its own ProblemFormatter: each
 * status is formatted from representative problems and the schema is inferred from what came
 * out. A dialect added on another branch is therefore documented with no extra code, and the
 * documentation cannot drift from what the formatter writes. The first sample is the example.
 */

export type JsonSchema = Record<string, unknown>;

const REASON: Record<number, string> = {
  400: 'Bad Request: malformed JSON, bad encoding or a bad Idempotency-Key.',
  401: 'Unauthorized: missing or invalid access token.',
  403: 'Forbidden: the token lacks the scope, or cannot reach the business in x-business-id.',
  404: 'Not Found: no such resource in this business (another business\u2019s ids are 404 too).',
  409: 'Conflict: duplicate id, invalid state, or the same Idempotency-Key still in flight.',
  413: 'Payload Too Large: the body exceeds BODY_LIMIT_BYTES.',
  415: 'Unsupported Media Type: send application/json.',
  422: 'Unprocessable Entity: a field is missing or invalid (each one named).',
  429: 'Too Many Requests: rate limit per token exceeded; retry after the Retry-After seconds.',
  500: 'Internal Server Error: nothing was stored for an Idempotency-Key; the request may be retried.',
  503: 'Service Unavailable: the database could not serve in time, the request passed its deadline, or the server is starting or shutting down; retry after the Retry-After seconds (same Idempotency-Key).',
};

/** A response's description: FastAPI's for success, the reason of an error status. */
export const describeStatus = (status: string) => (status.startsWith('2') ? 'Successful Response' : (REASON[Number(status)] ?? 'Error.'));

const SAMPLE: Record<number, Omit<Problem, 'status'>> = {
  400: { code: 'request.malformed_json', message: 'Malformed JSON in request body.' },
  // The messages of seeds/003 where it documents one.
  401: { code: 'auth.unauthenticated', message: 'Invalid or missing access token' },
  403: { code: 'auth.forbidden', message: 'This token lacks the scope invoices.CREATE.' },
  404: { code: 'not_found.resource', message: "Customer 'ct_acme' not found in this business.", field: 'customer_id' },
  409: { code: 'conflict.duplicate', message: "A customer with id 'ct_acme' already exists.", field: 'id' },
  413: { code: 'request.too_large', message: 'Request body is too large.' },
  415: { code: 'request.unsupported_media_type', message: "Unsupported Media Type: 'text/plain'." },
  422: {
    code: 'validation.required',
    message: 'customer_id: Field required',
    field: 'customer_id',
    issues: [{ loc: ['body', 'line_items', 0, 'item_id'], msg: 'Field required', type: 'missing' }],
  },
  429: { code: 'rate_limited', message: 'Rate limit exceeded: 6000 requests per minute. Retry in 1 minute.' },
  500: { code: 'internal', message: 'Internal server error.' },
  503: { code: 'unavailable.database', message: 'The database could not serve this request in time. Retry it with the same Idempotency-Key: it was applied once or not at all.' },
};

const EXAMPLE_REQUEST_ID = '0194f5a2-7c1e-7b3a-9d52-5be0c1f2a3d4';

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** A JSON Schema that every sample satisfies (types unioned, properties required when always present). */
function inferSchema(samples: unknown[]): JsonSchema {
  const types = [...new Set(samples.map(typeOf))];
  const schema: JsonSchema = { type: types.length === 1 ? types[0] : types };
  const objects = samples.filter((s): s is Record<string, unknown> => typeOf(s) === 'object');
  if (objects.length > 0) {
    const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))];
    schema.properties = Object.fromEntries(keys.map((k) => [k, inferSchema(objects.filter((o) => k in o).map((o) => o[k]))]));
    schema.required = keys.filter((k) => objects.every((o) => k in o));
  }
  const arrays = samples.filter((s): s is unknown[] => Array.isArray(s));
  if (arrays.length > 0) {
    const items = arrays.flat();
    const itemTypes = [...new Set(items.map(typeOf))];
    // [string | integer] paths are a union of scalars; anything else is inferred as one shape.
    schema.items = itemTypes.every((t) => t !== 'object' && t !== 'array') && itemTypes.length > 1
      ? { anyOf: itemTypes.map((type) => ({ type })) }
      : inferSchema(items);
  }
  return schema;
}

/** The response schema (with its description and example) of one error status in one dialect. */
export function errorDoc(format: ProblemFormatter, status: number): JsonSchema {
  const sample = SAMPLE[status] ?? { code: 'request.invalid', message: 'Bad request.' };
  const variants: Problem[] = [
    { status, ...sample },
    { status, code: sample.code, message: sample.message },
  ];
  const bodies = variants.map((problem) => formatWithRequestId(format, problem, EXAMPLE_REQUEST_ID).body);
  return { ...inferSchema(bodies), description: REASON[status] ?? 'Error.', examples: [bodies[0]] };
}
