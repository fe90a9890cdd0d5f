/**
 * FastAPI-style operation ids, derived from a route's method and path when the route does not
 * name its operation: `<name>_<path>_<method>`, where FastAPI's `<name>` is the handler's
 * function name and `<path>` is the path with every non-word character turned into `_`
 * (`list_customers_api_v1_customers_get`). Here `<name>` is a verb and a noun read from the
 * path, so that the id stays stable as long as the path and method do (docs/decisions.md).
 */

const VERB: Record<string, string> = { GET: 'get', POST: 'create', PUT: 'replace', PATCH: 'update', DELETE: 'delete' };
/** Segments that describe the API rather than the resource. */
const NOISE = /^(api|v\d+)$/;
/** A bulk or batch path names its operation first: POST /api/v1/invoices/bulk → create_bulk_invoices. */
const BULK = /^(bulk|batch)$/;

const isParam = (segment: string) => segment.startsWith(':') || segment.startsWith('{');
const word = (segment: string) => segment.replace(/\W/g, '_');
const isPlural = (segment: string) => /[^s]s$/.test(segment) || /(ses|xes|ies)$/.test(segment);

function singular(noun: string): string {
  if (/ies$/.test(noun)) return `${noun.slice(0, -3)}y`;
  if (/(ss|x|ch|sh)es$/.test(noun) || /sses$/.test(noun)) return noun.slice(0, -2);
  if (/[^s]s$/.test(noun)) return noun.slice(0, -1);
  return noun;
}

/** The `<name>` part: e.g. list_customers, get_customer, finalize_invoice, create_bulk_invoices. */
function operationName(method: string, url: string): string {
  const segments = url.split('/').filter((s) => s !== '' && !NOISE.test(s));
  const last = segments.at(-1) ?? '';
  const endsInParam = isParam(last);
  // A resource named just before an id is one of them: /customers/:id → customer.
  const nouns = segments.flatMap((segment, i) => {
    if (isParam(segment)) return [];
    const beforeParam = isParam(segments[i + 1] ?? '');
    return [word(beforeParam ? singular(segment) : segment)];
  });
  let verb = VERB[method] ?? method.toLowerCase();
  if (method === 'GET' && !endsInParam && isPlural(last)) verb = 'list';
  // POST /invoices/:id/finalize: the last word is the action.
  const action = method === 'POST' && segments.length >= 3 && isParam(segments.at(-2) ?? '') && !isPlural(last);
  if (action) return [word(last), ...nouns.slice(0, -1)].join('_');
  const bulk = nouns.findIndex((n) => BULK.test(n));
  if (bulk > 0) nouns.unshift(...nouns.splice(bulk, 1));
  if (method === 'POST' && bulk < 0 && !endsInParam && nouns.length === 1) nouns[0] = singular(nouns[0] ?? '');
  return [verb, ...nouns].join('_') || verb;
}

/** FastAPI's `generate_unique_id`: name + path (non-word characters → `_`) + method. */
export function operationIdFor(method: string, url: string): string {
  const path = url.replace(/:(\w+)/g, '{$1}');
  return `${operationName(method, url)}${path}_${method.toLowerCase()}`.replace(/\W/g, '_');
}
