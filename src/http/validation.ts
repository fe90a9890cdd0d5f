import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const BASE: Options = { allErrors: true, strict: false, useDefaults: true, removeAdditional: false };

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ ...BASE, ...options });
  (addFormats as unknown as (ajv: Ajv) => void)(ajv);
  return ajv;
}

/** Bodies are never coerced (STACK-NOTES: numbers would silently become strings). */
export const bodyAjv = makeAjv({ coerceTypes: false });
/** Query strings, params and headers arrive as text and are coerced to their types. */
const textAjv = makeAjv({ coerceTypes: true });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const validate = (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object);
  return validate as ValidateFunction;
};

export function compileBodyValidator<T>(schema: object): ValidateFunction<T> {
  return bodyAjv.compile<T>(schema);
}
