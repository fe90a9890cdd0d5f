import { createHash } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { invalid, required } from '../../domain/errors.ts';
import { uploadFile } from '../../modules/files/upload-file.ts';
import type { StoredObject } from '../../storage/index.ts';
import { respond } from '../respond.ts';
import { errorResponses } from '../schemas.ts';
import { formatNative } from './format.ts';

export const FileResponse = Type.Object({
  s3_key: Type.String({ description: 'Key of the stored object, under the business area: `<business_id>/…`.' }),
  size: Type.Integer({ description: 'Bytes stored.' }),
  sha256: Type.String({ description: 'Hex SHA-256 of the content.' }),
});

/** A file name is kept as text; a NUL byte cannot be (PostgreSQL text), so it is refused before anything is stored. */
function checkFilename(name: string): string {
  if (name.includes('\u0000')) throw invalid('The file name must not contain NUL bytes.', 'file');
  return name;
}

async function sha256Of(stream: NodeJS.ReadableStream): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `POST /files`: one multipart `file` part, streamed to the object store, never buffered whole. */
export async function registerFileRoutes(app: FastifyInstance): Promise<void> {
  const maxBytes = app.deps.config.fileMaxBytes;
  // Busboy silently truncates at its limit; one byte of slack lets the store's own
  // measure see the excess and refuse the upload (413) instead of keeping a cut file.
  await app.register(multipart, { limits: { fileSize: maxBytes + 1, files: 1, fields: 10, parts: 11 } });
  app.post(
    '/files',
    {
      config: { scope: 'files.CREATE' },
      schema: {
        tags: ['files'],
        summary: 'Upload a file',
        description: `Multipart form with one part named \`file\`, streamed to the object store (limit FILE_MAX_BYTES, default 100 MB → 413). Returns the key to pass as \`s3_key\` to POST /api/v1/invoices/bulk.`,
        consumes: ['multipart/form-data'],
        // For the OpenAPI document only: the multipart parser streams the part, so there is no
        // parsed body to validate (the schema has no `type`, so it accepts that).
        body: { content: { 'multipart/form-data': { schema: { properties: { file: { type: 'string', description: 'The file (binary).' } }, required: ['file'] } } } },
        response: { 201: FileResponse, ...errorResponses(400, 401, 403, 406, 413, 422) },
      },
    },
    async (request, reply) => {
      const part = await request.file();
      if (part?.fieldname !== 'file') throw required('file');
      const filename = checkFilename(part.filename);
      // The fingerprint of an upload is its name and content, as sha256 of the bytes.
      const streamed = { digest: async () => `${filename}\n${await sha256Of(part.file)}`, digestOf: (stored: StoredObject) => `${filename}\n${stored.sha256}` };
      const body = (stored: StoredObject) => ({ s3_key: stored.key, size: stored.size, sha256: stored.sha256 });
      return respond(request, reply, { status: 201, format: formatNative, body, streamed }, (ctx) => uploadFile(ctx, request.server.deps.store, { filename, body: part.file }, maxBytes));
    },
  );
}
