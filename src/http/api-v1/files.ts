import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { required } from '../../domain/errors.ts';
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
      return respond(request, reply, { status: 201, format: formatNative, body: (stored: StoredObject) => ({ s3_key: stored.key, size: stored.size, sha256: stored.sha256 }) }, (ctx) =>
        uploadFile(ctx, request.server.deps.store, { filename: part.filename, body: part.file }, maxBytes),
      );
    },
  );
}
