import { Webhook } from 'standardwebhooks';

export interface SigningSecrets {
  secret: string;
  previous_secret: string | null;
  previous_secret_until: string | null;
}

export interface Signer {
  /** The three Standard Webhooks headers for one message. */
  headers(messageId: string, body: string, at: Date): Record<string, string>;
}

/**
 * Signs with the endpoint's secret and, during the 24 hours after a rotation, also with the
 * previous one: `webhook-signature` then carries both, space-separated, so a receiver that
 * still has the old secret keeps verifying.
 */
export function signerFor(secrets: SigningSecrets, now: Date): Signer {
  const keys = [new Webhook(secrets.secret)];
  if (secrets.previous_secret && secrets.previous_secret_until && Date.parse(secrets.previous_secret_until) > now.getTime()) {
    keys.push(new Webhook(secrets.previous_secret));
  }
  return {
    headers: (messageId, body, at) => ({
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': keys.map((key) => key.sign(messageId, at, body)).join(' '),
    }),
  };
}
