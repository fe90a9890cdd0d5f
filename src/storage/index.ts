import path from 'node:path';
import type { Config } from '../config.ts';
import { localStore } from './local-store.ts';
import type { ObjectStore } from './object-store.ts';
import { s3Store } from './s3-store.ts';

export type { ObjectStore, StoredObject } from './object-store.ts';

/** The object store the configuration names: `s3://bucket` or the local folder under the data directory. */
export function openObjectStore(config: Config): ObjectStore {
  const target = config.objectStore;
  if (target.kind === 's3') {
    return s3Store({ bucket: target.bucket, endpoint: config.s3.endpoint, region: config.s3.region, forcePathStyle: config.s3.forcePathStyle });
  }
  return localStore(target.dir ?? path.join(config.dataDir, 'objects'));
}
