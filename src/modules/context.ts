import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';
import { isRetryableConflict } from './db-errors.ts';

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;

export interface Principal {
  id: string;
  name: string;
  type: 'admin' | 'api';
}

/**
 * Hooks a caller may hang on a use case's transaction without the use case knowing what
 * they are for (the HTTP layer uses them to make idempotency records commit atomically
 * with the effects they describe).
 */
export interface TransactionHooks {
  begin(tx: Tx): Promise<void>;
  seal(tx: Tx, result: unknown): Promise<void>;
}

/** What every use case receives: who acts, for which business, against which database. */
export interface Context {
  db: Db;
  businessId: string;
  principal: Principal;
  clock: () => Date;
  /** Public base URL, for the links a document carries (PDF, hosted page). */
  baseUrl: string;
  hooks?: TransactionHooks | undefined;
}

/** Runs of a transaction that hit a deadlock or serialization failure, before the caller sees it (as a 503). */
export const CONFLICT_ATTEMPTS = 3;

/**
 * Runs a transaction again, after a short random pause, when PostgreSQL aborted it as a
 * deadlock victim or a serialization failure: such an abort wrote nothing, and the next run
 * usually passes. Bounded, so a conflict that keeps recurring reaches the caller.
 */
export async function retryConflicts<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= CONFLICT_ATTEMPTS || !isRetryableConflict(error)) throw error;
      await sleep(5 + Math.random() * 20 * attempt);
    }
  }
}

/**
 * The transaction boundary of a write use case: everything `work` does, plus whatever the
 * hooks add, commits or rolls back together (and runs again on a deadlock, see retryConflicts).
 */
export function transact<T>(ctx: Pick<Context, 'db' | 'hooks'>, work: (tx: Tx) => Promise<T>): Promise<T> {
  return retryConflicts(() =>
    ctx.db.transaction().execute(async (tx) => {
      await ctx.hooks?.begin(tx);
      const result = await work(tx);
      await ctx.hooks?.seal(tx, result);
      return result;
    }),
  );
}
