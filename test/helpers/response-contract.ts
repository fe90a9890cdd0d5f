import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { onSendHookHandler, RouteOptions } from 'fastify';

/**
 * Every 2xx JSON response a test produces is checked against the schema its route declares
 * (the very schema object of the route, not a copy): a response that breaks its documented
 * contract turns into a 500 whose body names the violation, so the test that caused it fails.
 */

const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (ajv: Ajv) => void)(ajv);
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/** The 2xx schema of a status: exact ('201'), class ('2xx') or default. */
function schemaFor(responses: Record<string, object>, status: number): object | undefined {
  return responses[String(status)] ?? responses['2xx'] ?? responses.default;
}

const checkResponse =
  (route: RouteOptions): onSendHookHandler =>
  async (_request, reply, payload) => {
    const status = reply.statusCode;
    const type = String(reply.getHeader('content-type') ?? '');
    if (status < 200 || status >= 300 || !type.startsWith('application/json') || typeof payload !== 'string') return payload;
    const responses = route.schema?.response as Record<string, object> | undefined;
    // Undocumented routes (the OpenAPI document itself, the docs UI) declare nothing to check.
    if (!responses) return payload;
    const schema = schemaFor(responses, status);
    if (!schema) {
      const violation = new ContractViolation(`${route.method} ${route.url} answered ${status}, which it does not declare`);
      console.error(violation.message);
      throw violation;
    }
    const validate = validatorFor(schema);
    if (!validate(JSON.parse(payload))) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
      const violation = new ContractViolation(`${route.method} ${route.url} ${status} breaks its declared schema: ${problems}`);
      // The client only sees a 500: say why where the test runner shows it.
      console.error(violation.message);
      throw violation;
    }
    return payload;
  };

/** For buildApp's onRoute: adds the check to every route. */
export function checkResponses(route: RouteOptions): void {
  const existing = route.onSend ? (Array.isArray(route.onSend) ? route.onSend : [route.onSend]) : [];
  route.onSend = [...existing, checkResponse(route)];
}
