import { runScheduler } from '../modules/recurring/run-scheduler.ts';
import { RECURRING_QUEUE } from '../modules/recurring/runs.ts';
import { runDrainJob } from '../modules/webhooks/drain.ts';
import { DRAIN_QUEUE } from '../modules/webhooks/names.ts';
import { importHandler } from './import-job.ts';
import { mailHandler } from './mail.ts';
import { stripePushHandler } from './stripe-push.ts';
import type { JobHandler } from './runner.ts';

/**
 * Every queue a worker process serves, in one list: `npm start` runs them in-process and
 * `billow worker` runs them alone. Each background feature adds its handler here.
 */
export function jobHandlers(): JobHandler[] {
  return [
    importHandler(),
    mailHandler(),
    stripePushHandler(),
    // One job per webhook endpoint (keyed by its id): it fans out and sends that endpoint's
    // events in order, one request at a time, 16 endpoints at once per process. Retries are
    // scheduled per delivery, so the job itself only fails when the database does.
    { queue: DRAIN_QUEUE, concurrency: 16, maxAttempts: 100, handle: runDrainJob },
    // One run per business (plus helpers on a big day); a failing run retries with backoff
    // for days rather than leave a business's schedule dead.
    { queue: RECURRING_QUEUE, concurrency: 2, maxAttempts: 200, handle: runScheduler },
  ];
}
