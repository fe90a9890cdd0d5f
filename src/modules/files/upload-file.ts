import { type Context, transact } from '../context.ts';
import type { ObjectStore, StoredObject } from '../../storage/index.ts';

export interface Upload {
  filename: string;
  body: NodeJS.ReadableStream;
}

/**
 * Streams an upload into the business's area of the object store, then records it. The
 * object is written before the transaction: a crash in between leaves an unreferenced
 * object, never a record of a file that does not exist.
 */
export async function uploadFile(ctx: Context, store: ObjectStore, upload: Upload, maxBytes: number): Promise<StoredObject> {
  const stored = await store.put(ctx.businessId, upload.filename, upload.body, maxBytes);
  return transact(ctx, async (tx) => {
    await tx
      .insertInto('files')
      .values({ business_id: ctx.businessId, key: stored.key, filename: upload.filename.slice(0, 255), size: stored.size, sha256: stored.sha256, created_at: ctx.clock().toISOString() })
      .execute();
    return stored;
  });
}
