import type { Problem } from '../problem.ts';
import type { ProblemFormatter } from '../respond.ts';

/** Native API errors, FastAPI-style: 422 `{detail:[{loc,msg,type}]}`, other 4xx/5xx `{detail}`. */
export const formatNative: ProblemFormatter = (problem: Problem) => {
  if (problem.status === 422) {
    const detail = problem.issues ?? [{ loc: ['body'], msg: problem.message, type: problem.code }];
    return { status: 422, body: { detail } };
  }
  return { status: problem.status, body: { detail: problem.message } };
};
