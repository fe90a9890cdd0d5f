import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { DomainError } from '../domain/errors.ts';
import type { Context, TransactionHooks, Tx } from '../modules/context.ts';
import {
  findStoredResponse,
  type IdempotencyScope,
  type StoredResponse,
  storeResponse,
  tryLockKey,
} from '../modules/idempotency/repository.ts';
import type { ObjectStore } from '../storage/index.ts';
import { formatWithRequestId, JSON_TYPE, type ProblemFormatter, sendProblem } from './errors.ts';
import { RequestError, toProblem } from './problem.ts';

export type { ProblemFormatter } from './errors.ts';

export interface Deps {
  db: Context['db'];
  clock: () => Date;
  config: Config;
  store: ObjectStore;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: Deps;
  }
}

/** Keys being processed by this process (PGlite is one session, so advisory locks cannot see them). */
const inFlight = new Set<string>();

class Replay extends Error {
  constructor(readonly stored: StoredResponse) {
    super('replay');
  }
}

const inFlightError = () =>
  new DomainError('conflict.in_flight', 'A request with this Idempotency-Key is still being processed.');

function idempotencyKey(request: FastifyRequest): string | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header.join(',') : header;
  if (!/^[\x20-\x7e]{1,255}$/.test(key)) {
    throw new RequestError(400, 'idempotency.invalid_key', 'Idempotency-Key must be 1 to 255 printable ASCII characters.');
  }
  return key;
}

function fingerprint(request: FastifyRequest, streamedDigest = ''): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}\n${streamedDigest}`)
    .digest('hex');
}

export function contextOf(request: FastifyRequest): Context {
  const { db, clock } = request.server.deps;
  const auth = request.auth;
  return { db, clock, baseUrl: request.server.deps.config.publicUrl, businessId: auth?.businessId ?? '', principal: auth?.principal ?? { id: 'anonymous', name: 'anonymous', type: 'api' } };
}

function replay(reply: FastifyReply, stored: StoredResponse, expected: string) {
  if (stored.fingerprint !== expected) {
    throw new DomainError('idempotency.mismatch', 'This Idempotency-Key was used with a different request.');
  }
  return reply.code(stored.statusCode).header('idempotent-replayed', 'true').type(stored.contentType).send(stored.body);
}

interface RespondCommon<T> {
  /** The success status, or a function of the result for a route with two (201 now, 202 later). */
  status: number | ((result: T) => number);
  format: ProblemFormatter;
  /**
   * For responses that carry a secret shown once (a new token): what the idempotency record
   * keeps instead, so the secret is never stored in clear. Replays return this version.
   */
  redact?: (payload: string) => string;
  /** A body the use case streams (a multipart upload): request.body does not hold it. */
  streamed?: StreamedBody<T>;
}

/**
 * How a streamed body joins the idempotency fingerprint, so one key with other bytes is a 422.
 * A replay reads the body only to digest it; a first request takes the digest from its result.
 */
export interface StreamedBody<T> {
  digest(): Promise<string>;
  digestOf(result: T): string;
}

export type RespondOptions<T> = RespondCommon<T> &
  (
    | {
        /** Maps the use case result to the response body (serialized through the route's schema). */
        body: (result: T) => unknown;
      }
    | {
        /** Writes the response text itself, held to the route's schema by its tests (bulk documents). */
        serialize: (result: T) => string;
      }
  );

/**
 * Runs a write use case for a POST and sends its response. With an Idempotency-Key the
 * serialized response is stored inside the use case's own transaction, so the record
 * commits exactly when the effects it describes commit (SPEC §5).
 */
export async function respond<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  options: RespondOptions<T>,
  run: (ctx: Context) => Promise<T>,
): Promise<FastifyReply> {
  const ctx = contextOf(request);
  const statusOf = (result: T) => (typeof options.status === 'function' ? options.status(result) : options.status);
  const serialize = (result: T) => {
    reply.code(statusOf(result));
    return 'serialize' in options ? options.serialize(result) : (reply.serialize(options.body(result)) as string);
  };
  const key = idempotencyKey(request);
  if (key === undefined) {
    const payload = serialize(await run(ctx));
    return reply.type(JSON_TYPE).send(payload);
  }

  const scope: IdempotencyScope = { businessId: request.auth?.businessId ?? '*', principalId: ctx.principal.id, key };
  const { streamed } = options;
  const stored = await findStoredResponse(ctx.db, scope);
  if (stored) return replay(reply, stored, fingerprint(request, await streamed?.digest()));
  const expected = fingerprint(request);
  const fingerprintOf = (result: T) => (streamed ? fingerprint(request, streamed.digestOf(result)) : expected);
  const flightId = JSON.stringify(scope);
  if (inFlight.has(flightId)) throw inFlightError();
  inFlight.add(flightId);
  try {
    return await runRecorded(reply, ctx, options, run, { scope, fingerprintOf, serialize, statusOf });
  } catch (error) {
    // A streamed body was consumed by the use case, so it can no longer be compared: the
    // concurrent winner's response is replayed on the client's retry.
    if (error instanceof Replay) {
      if (streamed) throw inFlightError();
      return replay(reply, error.stored, expected);
    }
    if (error instanceof DomainError && error.code === 'conflict.in_flight') throw error;
    const problem = toProblem(error);
    // Refusals of a streamed body are not stored: their fingerprint would lack its digest.
    if (problem.status >= 500 || streamed) throw error;
    // A replay returns this body byte for byte, so it keeps the first request's id.
    const { status, body } = formatWithRequestId(options.format, problem, request.id);
    const text = JSON.stringify(body);
    await storeResponse(ctx.db, scope, { fingerprint: expected, statusCode: status, contentType: JSON_TYPE, body: text }, request.server.deps.config.idempotencyTtlSeconds);
    return sendProblem(reply, options.format, problem);
  } finally {
    inFlight.delete(flightId);
  }
}

async function runRecorded<T>(
  reply: FastifyReply,
  ctx: Context,
  options: RespondOptions<T>,
  run: (ctx: Context) => Promise<T>,
  record: { scope: IdempotencyScope; fingerprintOf: (result: T) => string; serialize: (result: T) => string; statusOf: (result: T) => number },
): Promise<FastifyReply> {
  let payload: string | undefined;
  const ttl = reply.server.deps.config.idempotencyTtlSeconds;
  const hooks: TransactionHooks = {
    begin: async (tx: Tx) => {
      if (!(await tryLockKey(tx, record.scope))) throw inFlightError();
      const committed = await findStoredResponse(tx, record.scope);
      if (committed) throw new Replay(committed);
    },
    seal: async (tx: Tx, result: unknown) => {
      payload = record.serialize(result as T);
      const stored = options.redact ? options.redact(payload) : payload;
      const response = { fingerprint: record.fingerprintOf(result as T), statusCode: record.statusOf(result as T), contentType: JSON_TYPE, body: stored };
      await storeResponse(tx, record.scope, response, ttl);
    },
  };
  await run({ ...ctx, hooks });
  if (payload === undefined) throw new Error('write use case finished without sealing its transaction');
  return reply.type(JSON_TYPE).send(payload);
}
