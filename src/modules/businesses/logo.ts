import { DomainError, invalid, notFound } from '../../domain/errors.ts';
import { type Context, type Db, type Tx, transact } from '../context.ts';
import { forgetBusiness } from './create-business.ts';

/** Logos are printed small; this keeps every PDF that carries one small too. */
export const LOGO_MAX_BYTES = 256 * 1024;
export const LOGO_TYPES = ['image/png', 'image/jpeg'] as const;
export type LogoType = (typeof LOGO_TYPES)[number];

export interface Logo {
  contentType: LogoType;
  data: Buffer;
}

// PDFs embed PNG and JPEG only, so those are the formats a logo may have.
const SIGNATURES: Record<LogoType, number[]> = {
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  'image/jpeg': [0xff, 0xd8, 0xff],
};

function assertImage(contentType: LogoType, data: Buffer): void {
  if (data.length === 0) throw invalid('The logo is empty.');
  if (data.length > LOGO_MAX_BYTES) throw new DomainError('validation.too_large', `A logo may have at most ${LOGO_MAX_BYTES} bytes.`);
  const signature = SIGNATURES[contentType];
  if (!signature.every((byte, i) => data[i] === byte)) throw invalid(`The body is not a ${contentType} image.`);
}

/** Replaces the business's logo (one per business). */
export async function setBusinessLogo(ctx: Context, id: string, logo: Logo): Promise<void> {
  if (id !== ctx.businessId) throw notFound('Business', id);
  assertImage(logo.contentType, logo.data);
  await transact(ctx, async (tx) => {
    const now = ctx.clock().toISOString();
    await tx
      .insertInto('business_logos')
      .values({ business_id: id, content_type: logo.contentType, data: logo.data, updated_at: now })
      .onConflict((oc) => oc.column('business_id').doUpdateSet({ content_type: logo.contentType, data: logo.data, updated_at: now }))
      .execute();
    await tx.updateTable('businesses').set({ updated_at: now }).where('id', '=', id).execute();
  });
  forgetBusiness(id);
}

export async function deleteBusinessLogo(ctx: Context, id: string): Promise<void> {
  if (id !== ctx.businessId) throw notFound('Business', id);
  await transact(ctx, async (tx) => {
    const deleted = await tx.deleteFrom('business_logos').where('business_id', '=', id).executeTakeFirst();
    if (deleted.numDeletedRows === 0n) throw notFound('Logo of business', id);
  });
}

export async function getBusinessLogo(db: Db | Tx, businessId: string): Promise<Logo | undefined> {
  const row = await db.selectFrom('business_logos').select(['content_type', 'data']).where('business_id', '=', businessId).executeTakeFirst();
  return row ? { contentType: row.content_type, data: Buffer.from(row.data) } : undefined;
}

export async function hasBusinessLogo(db: Db | Tx, businessId: string): Promise<boolean> {
  const row = await db.selectFrom('business_logos').select('business_id').where('business_id', '=', businessId).executeTakeFirst();
  return row !== undefined;
}
