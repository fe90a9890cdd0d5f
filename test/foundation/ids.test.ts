import { describe, expect, it } from 'vitest';
import { newHostedToken, uuidv7 } from '../../src/ids.ts';

describe('ids', () => {
  it('are UUIDv7, unique and increasing across refills of the random pool', () => {
    const ids = Array.from({ length: 5000 }, uuidv7);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('hosted tokens', () => {
  it('are 24 random bytes in base64url, never repeated across pool refills', () => {
    const tokens = Array.from({ length: 2000 }, newHostedToken);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});
