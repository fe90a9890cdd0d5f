import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Problem, toProblem } from './problem.ts';

/** How a surface writes a Problem on the wire. */
export type ProblemFormatter = (problem: Problem) => { status: number; body: unknown };

export const JSON_TYPE = 'application/json; charset=utf-8';

const ERROR_FORMAT = Symbol('billow.errorFormat');

declare module 'fastify' {
  interface FastifyInstance {
    [ERROR_FORMAT]?: ProblemFormatter;
  }
}

/** The formatter in force where routes are being added (the plugin's own, or its parent's). */
export const errorFormatOf = (app: FastifyInstance): ProblemFormatter | undefined => app[ERROR_FORMAT];

/**
 * A problem's status and body in a dialect, with the request id added to the body: every error
 * of every dialect carries it (`request_id`), the same value as the `x-request-id` header.
 */
export function formatWithRequestId(format: ProblemFormatter, problem: Problem, requestId: string): { status: number; body: unknown } {
  const { status, body } = format(problem);
  const withId = body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...body, request_id: requestId } : body;
  return { status, body: withId };
}

/** Error bodies bypass the route's response schemas: each surface's formatter owns their shape. */
export function sendProblem(reply: FastifyReply, format: ProblemFormatter, problem: Problem) {
  const { status, body } = formatWithRequestId(format, problem, reply.request.id);
  return reply.code(status).headers(problem.headers ?? {}).type(JSON_TYPE).send(JSON.stringify(body));
}

/**
 * One error handler per surface: normalize, log server faults, format in the surface's dialect.
 * The formatter is also remembered on the plugin instance, so that the OpenAPI contract
 * (src/http/contract) documents the error bodies of the routes added there in this dialect.
 */
export function installErrorFormat(app: FastifyInstance, format: ProblemFormatter): void {
  app[ERROR_FORMAT] = format;
  app.setErrorHandler((error, request: FastifyRequest, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, format, problem);
  });
}
