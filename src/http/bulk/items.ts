import type { ValidateFunction } from 'ajv';
import { type TSchema, Type } from 'typebox';
import { DomainError, type ErrorCode } from '../../domain/errors.ts';
import type { DocumentInput } from '../../modules/invoicing/types.ts';
import { UNSTORABLE_TEXT, unstorablePath } from '../json-body.ts';
import { issuesFromAjv, problemFromIssues } from '../problem.ts';
import { Nullable } from '../schemas.ts';

/** Per-item checks every bulk route of the seeds/000 dialect shares. */
export const ItemErrorSchema = Type.Object({ code: Type.String(), message: Type.String(), field: Nullable(Type.String()) });

/** The seeds/000 response: summary and per-item results, each `{ok, <key>?, error?}`. */
export const perItemResponse = <T extends TSchema>(key: string, item: T) =>
  Type.Object({
    code: Type.Integer(),
    message: Type.String(),
    summary: Type.Object({ total: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer() }),
    results: Type.Array(Type.Object({ ok: Type.Boolean(), [key]: Type.Optional(item), error: Type.Optional(ItemErrorSchema) })),
  });

/** Each item is validated on its own, so one malformed item fails alone (STACK-NOTES). */
export function checkItem<T = DocumentInput>(validate: ValidateFunction, item: unknown): T | DomainError {
  const badText = unstorablePath(item);
  if (badText !== undefined) return new DomainError('validation.invalid', UNSTORABLE_TEXT, badText || undefined);
  if (validate(item)) return item as T;
  const problem = problemFromIssues(issuesFromAjv(validate.errors ?? []), false);
  return new DomainError(problem.code as ErrorCode, problem.message, problem.field);
}

export function checkBatchSize(items: unknown[], max: number, plural: string): void {
  if (items.length === 0) throw new DomainError('validation.invalid', `Send at least one item in '${plural}'.`, plural);
  if (items.length > max) throw new DomainError('validation.too_large', `At most ${max} ${plural} per request; got ${items.length}.`, plural);
}

