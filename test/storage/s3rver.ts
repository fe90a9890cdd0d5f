import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';
import type { S3Options } from '../../src/storage/s3-store.ts';

export interface S3Server {
  options: S3Options;
  close(): Promise<void>;
}

/** A real S3-compatible server (s3rver) in this process, on a free port of 127.0.0.1, with bucket `billow`. */
export async function startS3(): Promise<S3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'billow' }] });
  const address = (await server.run()) as { port: number };
  return {
    options: {
      bucket: 'billow',
      endpoint: `http://127.0.0.1:${address.port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    },
    close: async () => {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
