import type { ErrorObject } from 'ajv';
import { DomainError, DomainErrors, ValidationErrors } from '../domain/errors.ts';
import { isDatabaseUnavailable } from '../modules/db-errors.ts';

/** An error raised at the HTTP edge (authentication, limits) rather than by a use case. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

export type Loc = (string | number)[];

/** One validation failure, FastAPI-style. */
export interface Issue {
  loc: Loc;
  msg: string;
  type: string;
}

/**
 * Every error, whatever raised it, normalized once; each surface formats a Problem into its
 * own wire dialect.
 */
export interface Problem {
  status: number;
  code: string;
  message: string;
  /** Dotted field path, `line_items[0].item_id`; absent for request-wide problems. */
  field?: string | undefined;
  issues?: Issue[] | undefined;
  headers?: Record<string, string> | undefined;
}

const LOC_ROOT: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** `line_items[0].item_id` ⇄ `['line_items', 0, 'item_id']` */
export function fieldToPath(field: string): Loc {
  const path: Loc = [];
  for (const part of field.split('.')) {
    const match = /^([^[]*)((\[\d+\])*)$/.exec(part);
    if (!match) {
      path.push(part);
      continue;
    }
    if (match[1]) path.push(match[1]);
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return path;
}

export function pathToField(path: Loc): string {
  return path.reduce<string>(
    (field, part) => (typeof part === 'number' ? `${field}[${part}]` : field ? `${field}.${part}` : part),
    '',
  );
}

function ajvPath(error: ErrorObject): Loc {
  const parts: Loc = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') parts.push(String(params.missingProperty));
  if (error.keyword === 'additionalProperties') parts.push(String(params.additionalProperty));
  return parts;
}

function ajvType(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'missing';
    case 'additionalProperties':
      return 'extra_forbidden';
    case 'type':
      return `${String(params.type).split(',')[0]}_type`;
    case 'maxLength':
      return 'string_too_long';
    case 'minLength':
      return 'string_too_short';
    case 'pattern':
      return 'string_pattern_mismatch';
    case 'maximum':
    case 'exclusiveMaximum':
      return 'less_than_equal';
    case 'minimum':
    case 'exclusiveMinimum':
      return 'greater_than_equal';
    case 'maxItems':
      return 'too_long';
    case 'minItems':
      return 'too_short';
    default:
      return error.keyword;
  }
}

function ajvMessage(error: ErrorObject): string {
  if (error.keyword === 'required') return 'Field required';
  if (error.keyword === 'additionalProperties') {
    return `Extra inputs are not permitted: '${String((error.params as Record<string, unknown>).additionalProperty)}'`;
  }
  return `Input ${error.message ?? 'is invalid'}`;
}

const isNullBranch = (e: ErrorObject) => e.keyword === 'type' && (e.params as { type?: unknown }).type === 'null';

/** Ajv reports every branch of an anyOf; keep the most specific failures. */
function relevant(errors: ErrorObject[]): ErrorObject[] {
  const structural = new Set(['anyOf', 'oneOf', 'if']);
  const paths = new Set(errors.filter((e) => !structural.has(e.keyword) && !isNullBranch(e)).map((e) => e.instancePath));
  // A nullable field that got the wrong type also "must be null": that branch is noise.
  const kept = errors.filter((e) => !structural.has(e.keyword) && !(isNullBranch(e) && paths.has(e.instancePath)));
  const seen = new Set<string>();
  return (kept.length > 0 ? kept : errors).filter((e) => {
    const id = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * A union of literals fails once per literal (`const`): one issue per field instead, listing
 * every allowed value once (FastAPI's literal_error).
 */
function mergeLiterals(errors: ErrorObject[]): ErrorObject[] {
  const allowed = new Map<string, unknown[]>();
  for (const e of errors) {
    if (e.keyword !== 'const') continue;
    allowed.set(e.instancePath, [...(allowed.get(e.instancePath) ?? []), (e.params as { allowedValue: unknown }).allowedValue]);
  }
  const merged = new Set<string>();
  return errors.flatMap((e) => {
    if (e.keyword !== 'const') return [e];
    if (merged.has(e.instancePath)) return [];
    merged.add(e.instancePath);
    const values = allowed.get(e.instancePath) ?? [];
    const list = values.map((v) => `'${String(v)}'`).join(', ');
    return [{ ...e, keyword: 'literal_error', message: `must be one of ${list}`, params: { allowedValues: values } }];
  });
}

export function issuesFromAjv(errors: ErrorObject[], root?: string): Issue[] {
  return mergeLiterals(relevant(errors)).map((error) => ({
    loc: root ? [root, ...ajvPath(error)] : ajvPath(error),
    msg: ajvMessage(error),
    type: ajvType(error),
  }));
}

export function problemFromIssues(issues: Issue[], skipRoot: boolean): Problem {
  const first = issues[0];
  const path = first ? (skipRoot ? first.loc.slice(1) : first.loc) : [];
  const field = pathToField(path);
  return {
    status: 422,
    code: first?.type === 'missing' ? 'validation.required' : 'validation.invalid',
    message: first ? `${field ? `${field}: ` : ''}${first.msg}` : 'Invalid request.',
    field: field || undefined,
    issues,
  };
}

interface FastifyishError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: ErrorObject[];
  validationContext?: string;
}

const FASTIFY_CODES: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'request.malformed_json', message: 'Malformed JSON in request body.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'request.malformed_json', message: 'Request body is empty but Content-Type is application/json.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'request.too_large', message: 'Request body is too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'request.unsupported_media_type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'request.invalid' },
  FST_ERR_NOT_FOUND: { status: 404, code: 'not_found.route' },
};

const issueOf = (error: DomainError): Issue => ({
  loc: [error.source, ...(error.field ? fieldToPath(error.field) : [])],
  msg: error.message,
  type: error.code,
});

/** Seconds a client should wait before retrying a request the database could not serve. */
export const RETRY_AFTER_SECONDS = 1;

export const databaseUnavailable = (): Problem => ({
  status: 503,
  code: 'unavailable.database',
  message: 'The database could not serve this request in time. Retry it with the same Idempotency-Key: it was applied once or not at all.',
  headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
});

export function toProblem(error: unknown): Problem {
  if (error instanceof ValidationErrors) {
    return { status: 422, code: error.code, message: error.message, issues: error.issues };
  }
  if (error instanceof DomainError) {
    if (error.status === 422) {
      const all = error instanceof DomainErrors ? error.errors.filter((e) => e.status === 422) : [error];
      return { status: 422, code: error.code, message: error.message, field: error.field, issues: all.map(issueOf) };
    }
    return { status: error.status, code: error.code, message: error.message, field: error.field };
  }
  if (error instanceof RequestError) {
    return { status: error.status, code: error.code, message: error.message, headers: error.headers };
  }
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  const e = (error ?? {}) as FastifyishError;
  if (Array.isArray(e.validation)) {
    const root = LOC_ROOT[e.validationContext ?? 'body'] ?? 'body';
    return problemFromIssues(issuesFromAjv(e.validation, root), true);
  }
  const known = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (known) return { status: known.status, code: known.code, message: known.message ?? e.message ?? 'Bad request.' };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, code: 'request.invalid', message: e.message ?? 'Bad request.' };
  }
  return { status: 500, code: 'internal', message: 'Internal server error.' };
}
