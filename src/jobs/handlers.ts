import type { JobHandler } from './runner.ts';

/**
 * Every queue a worker process serves, in one list: `npm start` runs them in-process and
 * `billow worker` runs them alone. Each background feature adds its handler here.
 */
export function jobHandlers(): JobHandler[] {
  return [];
}
