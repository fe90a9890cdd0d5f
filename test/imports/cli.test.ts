import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/app.ts';
import { billow, cleanUp, newScratch, ROOT, TIMEOUT } from '../cli/processes.ts';
import { type Child, cleanUpChildren, startServer, tempDir } from './processes.ts';

/** `billow import` against a real running server with its demo business (zero-setup PGlite: the demo is made only in an empty database). */
const scratch = newScratch();
let server: Child;
let dataDir: string;
let credentials: { business_id: string; token: string };

beforeAll(async () => {
  dataDir = tempDir('billow-import-cli-');
  server = await startServer(dataDir, { BILLOW_SEED_DEMO: 'true', DATABASE_URL: '' });
  credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'));
}, 120_000);
afterAll(async () => {
  await cleanUpChildren();
  cleanUp(scratch);
});

describe('billow import', () => {
  it('imports the example file with --finalize, shows the summary and exits 0', { timeout: TIMEOUT }, async () => {
    const example = path.join(ROOT, 'docs', 'examples', 'invoices.csv');
    const run = await billow(scratch, ['import', example, '--finalize', '--server', server.url, '--token', credentials.token], dataDir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/: succeeded/);
    expect(run.stdout).toContain('rows 5 of 5');
    expect(run.stdout).toContain('invoices created 3, failed 0');
    const listed = await fetch(`${server.url}/api/v1/invoices?limit=10`, { headers: { authorization: `Bearer ${credentials.token}` } });
    const invoices = ((await listed.json()) as Json).items as Json[];
    expect(invoices.map((i) => [i.reference, i.status]).sort()).toEqual([
      ['INV-1001', 'open'],
      ['INV-1002', 'open'],
      ['INV-1003', 'open'],
    ]);
  });

  it('writes the error report and exits 1 when the import fails; finds the demo token by itself', { timeout: TIMEOUT }, async () => {
    const file = path.join(dataDir, 'bad.csv');
    fs.writeFileSync(file, 'invoice_ref,customer_id,quantity,unit_price,line_description,place_of_supply\nA,ct_nobody,1,10,Thing,IN-MH\n');
    const run = await billow(scratch, ['import', file], dataDir, { BILLOW_URL: server.url });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/: failed/);
    const report = path.join(dataDir, 'bad.errors.csv');
    expect(run.stdout).toContain(report);
    expect(fs.readFileSync(report, 'utf8')).toContain("1,customer_id,A,not_found.resource,Customer 'ct_nobody' not found in this business.,ct_nobody");
  });

  it('exits 1 with a message when the server cannot be reached or the file is missing', { timeout: TIMEOUT }, async () => {
    const missing = await billow(scratch, ['import', path.join(dataDir, 'nope.csv'), '--token', 'x'], dataDir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No such file');
    const example = path.join(ROOT, 'docs', 'examples', 'invoices.csv');
    const down = await billow(scratch, ['import', example, '--server', 'http://127.0.0.1:1', '--token', 'x'], dataDir);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Cannot reach');
  });
});
