import { runStatementImport } from '../modules/banking/run-statement.ts';
import { failImport, runImport } from '../modules/imports/run-import.ts';
import { IMPORT_QUEUE } from '../modules/imports/start-import.ts';
import { openObjectStore } from '../storage/index.ts';
import type { JobHandler } from './runner.ts';

/** Background imports (CSV invoices, bank statements): one at a time per process; a crashed import resumes from its checkpoint. */
export function importHandler(): JobHandler {
  return {
    queue: IMPORT_QUEUE,
    maxAttempts: 5,
    handle: async (job, ctx) => {
      await runImport(job, ctx, await openObjectStore(ctx.config), { bank_statement: runStatementImport });
      return undefined;
    },
    onFailed: (job, error, ctx) => failImport(job, ctx, error),
  };
}
