import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { uuidv7 } from '../ids.ts';
import { notFound } from '../domain/errors.ts';
import { confineKey, Measure, type ObjectStore, type StoredObject, safeName } from './object-store.ts';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR';

async function statFile(file: string, key: string): Promise<{ size: number }> {
  try {
    const stats = await fs.promises.stat(file);
    if (stats.isFile() && !file.endsWith('.partial')) return { size: stats.size };
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  throw notFound('File', key, 's3_key');
}

/** Objects as files under one root folder; a new object is written to a temporary name and renamed, so a half-written file is never visible. */
export function localStore(root: string): ObjectStore {
  const resolved = path.resolve(root);
  const fileOf = (businessId: string, key: string) => {
    const file = path.resolve(resolved, confineKey(businessId, key));
    // confineKey already refuses every escape; this is the belt to its braces.
    if (!file.startsWith(`${resolved}${path.sep}`)) throw notFound('File', key, 's3_key');
    return file;
  };
  return {
    async put(businessId, name, body, maxBytes): Promise<StoredObject> {
      const key = `${businessId}/${uuidv7()}/${safeName(name)}`;
      const file = fileOf(businessId, key);
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      const partial = `${file}.partial`;
      const measure = new Measure(maxBytes);
      try {
        await pipeline(body, measure, fs.createWriteStream(partial, { flags: 'wx' }));
        await fs.promises.rename(partial, file);
      } catch (error) {
        await fs.promises.rm(path.dirname(file), { recursive: true, force: true });
        throw error;
      }
      return { key, size: measure.size, sha256: measure.digest() };
    },
    async get(businessId, key) {
      await statFile(fileOf(businessId, key), key);
      return fs.createReadStream(fileOf(businessId, key));
    },
    stat: (businessId, key) => statFile(fileOf(businessId, key), key),
  };
}
