import { afterAll, describe, expect, it } from 'vitest';
import { billow, cleanUp, newScratch, TIMEOUT, tempDataDir } from './processes.ts';

const scratch = newScratch();
afterAll(() => cleanUp(scratch));

describe('billow businesses update', () => {
  const dataDir = tempDataDir(scratch);
  const run = (args: string[]) => billow(scratch, args, dataDir);

  // Each run starts a process over PGlite: three runs, so three process timeouts.
  it('changes the profile and reports a domain error with exit code 1', { timeout: 3 * TIMEOUT }, async () => {
    const created = await run(['businesses', 'create', '--name', 'Profile CLI', '--country', 'IN', '--state', 'IN-MH', '--currency', 'INR']);
    expect(created.code, created.stderr).toBe(0);
    const id = (JSON.parse(created.stdout) as { business: { id: string } }).business.id;
    const updated = await run(['businesses', 'update', '--id', id, '--legal-name', 'Profile CLI Pvt Ltd', '--gstin', '27AAFCP1234E1Z9', '--address', '{"line1":"1 Fort Road","city":"Mumbai"}', '--terms', 'Net 15']);
    expect(updated.stderr).toBe('');
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ id, legal_name: 'Profile CLI Pvt Ltd', gstin: '27AAFCP1234E1Z9', address: { line1: '1 Fort Road', city: 'Mumbai' }, terms: 'Net 15' });
    const wrong = await run(['businesses', 'update', '--id', id, '--terms', '', '--gstin', '29AAFCP1234E1Z9']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/gstin/);
  });
});
