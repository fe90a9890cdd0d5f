import path from 'node:path';
import type { Config } from '../config.ts';
import { localStore } from './local-store.ts';
import type { ObjectStore } from './object-store.ts';

export type { ObjectStore, StoredObject } from './object-store.ts';

/**
 * The object store the configuration names: `s3://bucket` or the local folder under the data
 * directory. The AWS SDK is loaded only when S3 is configured: it is the largest module
 * Billow could load and would slow every start of the default setup.
 */
export async function openObjectStore(config: Config): Promise<ObjectStore> {
  const target = config.objectStore;
  if (target.kind === 's3') {
    const { s3Store } = await import('./s3-store.ts');
    return s3Store({ bucket: target.bucket, endpoint: config.s3.endpoint, region: config.s3.region, forcePathStyle: config.s3.forcePathStyle });
  }
  return localStore(target.dir ?? path.join(config.dataDir, 'objects'));
}
