import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { billow, cleanUp, newScratch, TIMEOUT, tempDataDir } from './processes.ts';

const scratch = newScratch();
afterAll(() => cleanUp(scratch));

/** The `billow` CLI run as `node bin/billow.js …`, one data directory for the whole sequence. */
describe('billow CLI', () => {
  const dataDir = tempDataDir(scratch);
  const run = (args: string[], extra: Record<string, string> = {}) => billow(scratch, args, dataDir, extra);
  let businessId = '';

  it('--help exits 0 and lists the commands', { timeout: TIMEOUT }, async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['serve', 'migrate', 'businesses', 'tokens']) expect(help.stdout).toContain(command);
    const sub = await run(['tokens', 'create', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--scopes');
  });

  it('migrate applies the migrations once', { timeout: TIMEOUT }, async () => {
    const first = await run(['migrate']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied 001_foundation\.sql/);
    expect(fs.existsSync(path.join(dataDir, 'db'))).toBe(true);
    const again = await run(['migrate']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/up to date/);
  });

  it('businesses create prints the business and an owner token', { timeout: TIMEOUT }, async () => {
    const created = await run(['businesses', 'create', '--name', 'Acme CLI', '--country', 'IN', '--state', 'IN-KA', '--currency', 'INR', '--invoice-prefix', 'AC-']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const output = JSON.parse(created.stdout) as { business: { id: string; name: string; invoice_prefix: string }; token: string };
    expect(output.token).toMatch(/^bw_pat_[0-9A-Za-z]{32,}$/);
    expect(output.business).toMatchObject({ name: 'Acme CLI', invoice_prefix: 'AC-' });
    businessId = output.business.id;
  });

  it('businesses create reports a domain error with exit code 1', { timeout: TIMEOUT }, async () => {
    const failed = await run(['businesses', 'create', '--name', 'No State', '--country', 'IN', '--currency', 'INR']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/state/);
    expect(failed.stdout).toBe('');
  });

  it('tokens create issues a scoped token', { timeout: TIMEOUT }, async () => {
    expect(businessId).not.toBe('');
    const issued = await run(['tokens', 'create', '--business', businessId, '--name', 'sync', '--scopes', 'customers.*, invoices.READ']);
    expect(issued.stderr).toBe('');
    expect(issued.code).toBe(0);
    const output = JSON.parse(issued.stdout) as { token: string; principal_id: string };
    expect(output.token).toMatch(/^bw_pat_/);
    expect(output.principal_id).toEqual(expect.any(String));
  });

  it('tokens create rejects a bad scope and an unknown business', { timeout: TIMEOUT }, async () => {
    const badScope = await run(['tokens', 'create', '--business', businessId, '--name', 'x', '--scopes', 'invoices.FLY']);
    expect(badScope.code).not.toBe(0);
    expect(badScope.stderr).toContain("'invoices.FLY'");
    expect(badScope.stdout).toBe('');
    const unknown = await run(['tokens', 'create', '--business', 'no-such-business', '--name', 'x']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no-such-business');
  });

  it('a configuration error exits with code 2', { timeout: TIMEOUT }, async () => {
    const failed = await run(['migrate'], { DATABASE_URL: 'mysql://nope' });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/Configuration error: DATABASE_URL/);
  });
});
