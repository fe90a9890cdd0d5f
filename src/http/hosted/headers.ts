import type { FastifyReply } from 'fastify';

/** What a hosted page may load: its own styles and fonts, nothing else; and no page may frame it. */
const PAGE_POLICY = "default-src 'none'; style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";
/** A PDF loads nothing and is never framed (a PDF viewer inside a frame is a clickjacking surface too). */
const PDF_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers of every document a customer or a tenant reads (hosted page, PDF): no framing, no
 * content sniffing, no referrer leaking the page's secret token, and no copy kept by a shared
 * cache or the browser's history cache.
 */
export function documentHeaders(reply: FastifyReply, kind: 'page' | 'pdf'): FastifyReply {
  return reply.headers({
    'content-security-policy': kind === 'page' ? PAGE_POLICY : PDF_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'private, no-store',
  });
}
