import { type TSchema, Type } from 'typebox';

/** Shared wire schemas. Every object schema is closed: unknown fields are rejected. */
export const Closed = <T extends Parameters<typeof Type.Object>[0]>(properties: T, options: object = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ClientId = Type.String({
  pattern: '^[A-Za-z0-9_-]{1,64}$',
  description: "Client-chosen id: 1–64 of [A-Za-z0-9_-], e.g. 'ct_acme'. Omit for a UUIDv7.",
});
export const Id = Type.String({ minLength: 1, maxLength: 64 });
export const IdParams = Closed({ id: Id });

export const CurrencyCode = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. INR, USD.' });
// Indian (GST) codes are checked against the list of states where they matter; other
// countries' subdivision codes are accepted as given ("CA", "US-CA", "AU-NSW").
export const StateCode = Type.String({
  pattern: '^[A-Z0-9]{1,3}(-[A-Z0-9]{1,3})?$',
  description: 'ISO 3166-2 subdivision, e.g. IN-MH (for India one of the GST state codes), US-CA or CA.',
});
export const Gstin = Type.String({ pattern: '^[0-9]{2}[A-Z0-9]{13}$', description: '15-character GSTIN.' });
export const MinorUnits = Type.Integer({ minimum: 0, maximum: 1e15, description: 'Integer minor units (cents, paise).' });
export const Percent = Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,4})?$' })], {
  description: 'Percent with up to 4 decimals, e.g. 18 or "12.5".',
});
export const DateString = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
export const Timestamp = Type.String({ format: 'date-time' });
export const Text = (maxLength: number) => Type.String({ maxLength });

export const ListQuery = Closed({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  include_total: Type.Optional(Type.Boolean({ default: false })),
});

export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Nullable(Type.Integer()),
    limit: Type.Integer(),
    next_cursor: Nullable(Type.String()),
    prev_cursor: Nullable(Type.String()),
    has_next: Type.Boolean(),
    has_prev: Type.Boolean(),
  });

/** A binary response (declared with `produces`); Fastify sends the buffer as is. */
export const PdfFile = Type.String({ format: 'binary', description: 'The PDF document.' });
export const HtmlPage = Type.String({ description: 'An HTML page.' });
/** A customer-facing link that is wrong or expired: a small HTML page (hosted routes). */
export const NotFoundPage = Type.String({ description: 'A small HTML page saying the link is wrong or no longer valid.' });

/** Marks an error response whose schema the contract fills in from the route's own dialect. */
export const ERROR_MARK = 'x-billow-error';

const RequestId = Type.String({ description: 'The x-request-id of the request.' });
export const ValidationErrorBody = Type.Object({
  detail: Type.Array(
    Type.Object({ loc: Type.Array(Type.Union([Type.String(), Type.Integer()])), msg: Type.String(), type: Type.String() }),
  ),
  request_id: RequestId,
});
export const MessageErrorBody = Type.Object({ detail: Type.String(), request_id: RequestId });

/**
 * The error statuses a route can give besides those every route of its kind gives (auth,
 * validation, limits: src/http/contract adds these). The documented body is the route's own
 * dialect (FastAPI `detail`, seeds/000 `{code,message,error}`, …), filled in by the contract;
 * the native shapes here are what runs if a route is served outside it.
 */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { ...(s === 422 ? ValidationErrorBody : MessageErrorBody), [ERROR_MARK]: true }]));
