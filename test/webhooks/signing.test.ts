import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signerFor } from '../../src/modules/webhooks/signing.ts';

const HOUR = 3_600_000;

const secret = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`);
// Any UTF-16 code unit, lone surrogates included: both sides must encode them the same way.
const text = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 300 });
// Whole seconds, and milliseconds that the signature's timestamp must round down.
const at = fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms));

describe('signerFor', () => {
  it('produces the headers of the standardwebhooks library, byte for byte', () => {
    fc.assert(
      fc.property(secret, text, text, at, (key, messageId, body, when) => {
        const headers = signerFor({ secret: key, previous_secret: null, previous_secret_until: null }, when).headers(messageId, body, when);
        expect(headers).toEqual({
          'webhook-id': messageId,
          'webhook-timestamp': String(Math.floor(when.getTime() / 1000)),
          'webhook-signature': new Webhook(key).sign(messageId, when, body),
        });
      }),
      { numRuns: 500 },
    );
  });

  it('signs with both secrets during the rotation overlap, and each verifies with the library', () => {
    fc.assert(
      fc.property(secret, secret, text, (current, previous, body) => {
        const now = new Date();
        const until = new Date(now.getTime() + HOUR).toISOString();
        const headers = signerFor({ secret: current, previous_secret: previous, previous_secret_until: until }, now).headers('msg_1', body, now);
        expect(headers['webhook-signature']).toBe(`${new Webhook(current).sign('msg_1', now, body)} ${new Webhook(previous).sign('msg_1', now, body)}`);
        for (const key of [current, previous]) {
          expect(() => new Webhook(key).verify(body, headers, { jsonParse: false })).not.toThrow();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('stops signing with the previous secret once its overlap has ended', () => {
    const current = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    const previous = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
    const now = new Date();
    const until = new Date(now.getTime() - 1).toISOString();
    const headers = signerFor({ secret: current, previous_secret: previous, previous_secret_until: until }, now).headers('msg_1', '{}', now);
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(1);
    expect(() => new Webhook(current).verify('{}', headers)).not.toThrow();
    expect(() => new Webhook(previous).verify('{}', headers)).toThrow();
  });

  it('accepts a secret without the whsec_ prefix, as the library does', () => {
    const bare = Buffer.alloc(24, 7).toString('base64');
    const now = new Date();
    const headers = signerFor({ secret: bare, previous_secret: null, previous_secret_until: null }, now).headers('msg_1', '{}', now);
    expect(headers['webhook-signature']).toBe(new Webhook(bare).sign('msg_1', now, '{}'));
  });
});
