import dns from 'node:dns';
import os from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { embeddedIpv4, isPrivateAddress } from '../../src/modules/webhooks/addresses.ts';
import { postWebhook } from '../../src/modules/webhooks/target.ts';
import { createBusiness } from '../helpers/factories.ts';
import { testApp } from '../helpers/app.ts';

/** This host's own addresses that are not loopback (the issue: webhooks were accepted on them). */
const ownAddresses = Object.values(os.networkInterfaces())
  .flatMap((list) => list ?? [])
  .filter((entry) => !entry.internal)
  .map((entry) => entry.address);

// Each refused form, and a public address of the same form that stays allowed.
const REFUSED = [
  'fec0::1', // site-local
  '::7f00:1', // IPv4-compatible ::127.0.0.1, as URL parsing writes it
  '::127.0.0.1',
  '::ffff:10.0.0.1', // IPv4-mapped
  '::ffff:0:192.168.1.1', // SIIT
  '64:ff9b::7f00:1', // NAT64 of 127.0.0.1
  '64:ff9b::169.254.169.254',
  '64:ff9b:1::1', // local-use NAT64
  '2002:7f00:1::1', // 6to4 of 127.0.0.1
  '2002:c0a8:101::', // 6to4 of 192.168.1.1
  '2001:0:4136:e378:8000:63bf:f5ff:fffe', // Teredo, client 10.0.0.1 (obfuscated)
  '2001:0:a00:1::1', // Teredo, server 10.0.0.1
  ...ownAddresses,
];
const ALLOWED = ['2606:4700:4700::1111', '64:ff9b::808:808', '2002:808:808::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '8.8.8.8', '93.184.216.34'];

describe('webhook target addresses', () => {
  afterEach(() => vi.restoreAllMocks());

  it('finds the IPv4 address each embedding carries', () => {
    expect(embeddedIpv4('::7f00:1')).toEqual(['127.0.0.1']);
    expect(embeddedIpv4('64:ff9b::7f00:1')).toEqual(['127.0.0.1']);
    expect(embeddedIpv4('2002:c0a8:101::')).toEqual(['192.168.1.1']);
    expect(embeddedIpv4('2001:0:4136:e378:8000:63bf:f5ff:fffe')).toEqual(['65.54.227.120', '10.0.0.1']);
    expect(embeddedIpv4('2606:4700:4700::1111')).toEqual([]);
  });

  it.each(REFUSED)('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(ALLOWED)('allows the public address %s', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('refuses each form at registration, through HTTP', async () => {
    const strict = await testApp({ webhookAllowPrivate: false });
    try {
      const t = await createBusiness(strict.app);
      for (const address of REFUSED) {
        const host = address.includes(':') ? `[${address}]` : address;
        const response = await t.post('/api/v1/webhook-endpoints', { url: `http://${host}:8080/hook`, events: ['*'] });
        expect(response.statusCode, `${address}: ${response.body}`).toBe(422);
        expect(response.json().detail[0].loc).toEqual(['body', 'url']);
      }
    } finally {
      await strict.app.close();
    }
  });

  it('refuses each form after DNS resolution, at the attempt, without connecting', async () => {
    for (const address of REFUSED) {
      vi.spyOn(dns, 'lookup').mockImplementation(((_host: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
        const family = address.includes(':') ? 6 : 4;
        callback(null, options.all ? [{ address, family }] : address, family);
      }) as never);
      const result = await postWebhook('http://hooks.example.test:9/hook', {}, '{}', { allowPrivate: false, timeoutMs: 2_000 });
      expect(result.error, address).toBe(`refused: hooks.example.test resolves to the private address ${address}`);
      vi.restoreAllMocks();
    }
  });
});
