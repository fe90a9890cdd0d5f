import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';

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

/**
 * The transaction boundary of a write use case: everything `work` does, plus whatever the
 * hooks add, commits or rolls back together.
 */
export function transact<T>(ctx: Pick<Context, 'db' | 'hooks'>, work: (tx: Tx) => Promise<T>): Promise<T> {
  return ctx.db.transaction().execute(async (tx) => {
    await ctx.hooks?.begin(tx);
    const result = await work(tx);
    await ctx.hooks?.seal(tx, result);
    return result;
  });
}
