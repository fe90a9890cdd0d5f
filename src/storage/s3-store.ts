import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { uuidv7 } from '../ids.ts';
import { notFound } from '../domain/errors.ts';
import { confineKey, Measure, type ObjectStore, type StoredObject, safeName } from './object-store.ts';

export interface S3Options {
  bucket: string;
  endpoint?: string | undefined;
  region: string;
  forcePathStyle: boolean;
  /** Explicit credentials (tests); otherwise the SDK's standard chain (AWS_ACCESS_KEY_ID, …). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

const isMissing = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
};

/**
 * Any S3-compatible store. An upload is first spooled to a temporary file while it is
 * measured and hashed (the limit is enforced before anything reaches the bucket, and a
 * single PUT needs the length up front); memory stays constant either way.
 */
export function s3Store(options: S3Options): ObjectStore {
  // Checksums only where S3 requires them: the SDK's default streams uploads as
  // aws-chunked bodies with trailing checksums, which many S3-compatible stores do not
  // understand (s3rver stored the chunk framing as content).
  const config: S3ClientConfig = {
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (options.endpoint) config.endpoint = options.endpoint;
  if (options.credentials) config.credentials = options.credentials;
  const client = new S3Client(config);
  const Bucket = options.bucket;
  const head = async (key: string) => {
    try {
      return await client.send(new HeadObjectCommand({ Bucket, Key: key }));
    } catch (error) {
      if (isMissing(error)) throw notFound('File', key, 's3_key');
      throw error;
    }
  };
  return {
    async put(businessId, name, body, maxBytes): Promise<StoredObject> {
      const key = `${businessId}/${uuidv7()}/${safeName(name)}`;
      const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'billow-upload-'));
      try {
        const spool = path.join(dir, 'body');
        const measure = new Measure(maxBytes);
        await pipeline(body, measure, fs.createWriteStream(spool));
        await client.send(new PutObjectCommand({ Bucket, Key: key, Body: fs.createReadStream(spool), ContentLength: measure.size }));
        return { key, size: measure.size, sha256: measure.digest() };
      } finally {
        await fs.promises.rm(dir, { recursive: true, force: true });
      }
    },
    async get(businessId, key) {
      confineKey(businessId, key);
      try {
        const object = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        return object.Body as NodeJS.ReadableStream;
      } catch (error) {
        if (isMissing(error)) throw notFound('File', key, 's3_key');
        throw error;
      }
    },
    async stat(businessId, key) {
      confineKey(businessId, key);
      const object = await head(key);
      return { size: object.ContentLength ?? 0 };
    },
  };
}
