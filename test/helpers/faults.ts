import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { TestEnv } from './app.ts';

export interface Fault {
  /** Put this in a document's `reference` to make the database fail it. */
  marker: string;
  drop: () => Promise<void>;
}

/**
 * Installs a trigger on `invoices` that raises (with `errcode`, default a plain exception)
 * on `when` ('update' or 'insert') of any row whose `reference` is the returned marker:
 * a database failure in the middle of a transaction, on demand. The marker is unique, so
 * other tests sharing the database are unaffected; call drop() when done. With `times`, only
 * the first `times` matching rows fail (counted by a sequence, which rollbacks do not undo).
 */
export async function injectFault(env: TestEnv, when: 'update' | 'insert' = 'update', errcode = 'P0001', times?: number): Promise<Fault> {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 16);
  const marker = `fail-${suffix}`;
  const fn = `billow_test_fail_${suffix}`;
  const limited = times === undefined ? '' : `and nextval('${fn}_seq') <= ${times}`;
  if (times !== undefined) await sql.raw(`create sequence ${fn}_seq`).execute(env.database.db);
  await sql
    .raw(
      `create function ${fn}() returns trigger language plpgsql as $$
       begin
         if new.reference = '${marker}' ${limited} then raise exception 'injected failure for test' using errcode = '${errcode}'; end if;
         return new;
       end $$`,
    )
    .execute(env.database.db);
  await sql.raw(`create trigger ${fn} before ${when} on invoices for each row execute function ${fn}()`).execute(env.database.db);
  let dropped = false;
  return {
    marker,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await sql.raw(`drop trigger if exists ${fn} on invoices`).execute(env.database.db);
      await sql.raw(`drop function if exists ${fn}()`).execute(env.database.db);
      await sql.raw(`drop sequence if exists ${fn}_seq`).execute(env.database.db);
    },
  };
}
