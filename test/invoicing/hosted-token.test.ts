import { describe, expect, it } from 'vitest';
import { newHostedToken } from '../../src/modules/hosted-token.ts';

describe('hosted tokens', () => {
  it('are 24 random bytes in base64url, never repeated across pool refills', () => {
    const tokens = Array.from({ length: 2000 }, newHostedToken);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});
