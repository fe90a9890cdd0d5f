import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorFormatOf, type ProblemFormatter, sendProblem } from '../errors.ts';
import { type Problem, RETRY_AFTER_SECONDS } from '../problem.ts';

/** Routes that must answer whatever the database does (they bound their own work). */
const OPS_PATHS = new Set(['/health', '/ready', '/metrics', '/openapi.json']);

const isOps = (request: FastifyRequest) => OPS_PATHS.has(request.url.split('?')[0] ?? '');

const unavailable = (code: string, message: string): Problem => ({ status: 503, code, message, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } });

/**
 * Until start-up has reached the database and applied the migrations, every route but the
 * operational ones answers 503 with Retry-After (a load balancer keeps the instance out).
 */
export function registerStartingGate(app: FastifyInstance, started: () => boolean, fallback: ProblemFormatter): void {
  app.addHook('onRequest', async (request, reply) => {
    if (started() || isOps(request)) return;
    return sendProblem(reply, errorFormatOf(request.server) ?? fallback, unavailable('unavailable.starting', 'Billow is starting: the database is not ready yet.'));
  });
}

/**
 * The request deadline: a request still unanswered after `ms` gets 503 with Retry-After, so
 * no client waits on a stalled database past a known bound. It backs up the pool acquire,
 * statement and lock timeouts, which normally end the request first. Uploads are exempt:
 * their time depends on the client's bandwidth.
 */
export function registerDeadline(app: FastifyInstance, ms: number, fallback: ProblemFormatter): void {
  if (ms === 0) return;
  app.addHook('onRequest', (request, reply, done) => {
    if (isOps(request) || String(request.headers['content-type'] ?? '').startsWith('multipart/')) return done();
    const timer = setTimeout(() => {
      if (reply.sent) return;
      request.log.warn({ url: request.url, ms }, 'request deadline passed');
      sendProblem(reply, errorFormatOf(request.server) ?? fallback, unavailable('unavailable.timeout', `No answer within ${ms} ms. Retry with the same Idempotency-Key: the request was applied once or not at all.`));
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    reply.raw.once('finish', clear).once('close', clear);
    done();
  });
}
