import type { FastifyInstance, FastifyReply } from 'fastify';
import { type Problem, toProblem } from './problem.ts';

/** How a surface writes a Problem on the wire. */
export type ProblemFormatter = (problem: Problem) => { status: number; body: unknown };

export const JSON_TYPE = 'application/json; charset=utf-8';

/** Error bodies bypass the route's response schemas: each surface's formatter owns their shape. */
export function sendProblem(reply: FastifyReply, format: ProblemFormatter, problem: Problem) {
  const { status, body } = format(problem);
  return reply.code(status).headers(problem.headers ?? {}).type(JSON_TYPE).send(JSON.stringify(body));
}

/** One error handler per surface: normalize, log server faults, format in the surface's dialect. */
export function installErrorFormat(app: FastifyInstance, format: ProblemFormatter): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, format, problem);
  });
}
