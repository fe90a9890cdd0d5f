import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUp, freePort, newScratch, startServer, stopServer, TIMEOUT, tempDataDir } from './processes.ts';

const scratch = newScratch();
afterAll(() => cleanUp(scratch));

function readCredentials(dataDir: string): { business_id: string; token: string } {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'));
}

describe('npm start on a fresh data directory', () => {
  it('seeds a demo business on first start and reuses it on the next', { timeout: 2 * TIMEOUT }, async () => {
    const dataDir = tempDataDir(scratch);
    const port = await freePort();

    const first = await startServer(scratch, dataDir, port);
    try {
      const health = await fetch(`${first.base}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });

      const credentials = readCredentials(dataDir);
      expect(credentials.business_id).toEqual(expect.any(String));
      expect(credentials.token).toMatch(/^bw_pat_/);
      expect(first.output()).toContain(credentials.token);

      const customers = await fetch(`${first.base}/api/v1/customers`, { headers: { authorization: `Bearer ${credentials.token}` } });
      expect(customers.status).toBe(200);
      const page = (await customers.json()) as { items: { id: string }[] };
      expect(page.items.map((c) => c.id).sort()).toEqual(['ct_acme', 'ct_beta', 'ct_gamma']);
    } finally {
      expect(await stopServer(first)).toBe(0);
    }

    const before = fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8');
    const second = await startServer(scratch, dataDir, port);
    try {
      expect(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8')).toBe(before);
      const { business_id, token } = readCredentials(dataDir);
      expect(second.output()).toContain(business_id);
      // The token still resolves after a restart: the data survived on disk.
      const business = await fetch(`${second.base}/api/v1/businesses/${business_id}`, { headers: { authorization: `Bearer ${token}` } });
      expect(business.status).toBe(200);
      expect(((await business.json()) as { id: string }).id).toBe(business_id);
    } finally {
      expect(await stopServer(second)).toBe(0);
    }
  });
});
