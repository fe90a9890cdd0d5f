// npm run lint:openapi: lint the document the server serves with Redocly's recommended rules
// (@redocly/cli, pinned in devDependencies); any error or warning fails.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, servedDocument } from './contract-lib.ts';

interface Report {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-openapi-'));
const file = path.join(dir, 'openapi.json');
try {
  fs.writeFileSync(file, await servedDocument());
  const redocly = path.join(ROOT, 'node_modules', '.bin', 'redocly');
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  const args = ['lint', '--extends=recommended', '--format=json', file];
  const run = spawnSync(redocly, args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const report = JSON.parse(run.stdout) as Report;
  for (const problem of report.problems) {
    process.stdout.write(`${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}\n`);
  }
  const { errors, warnings } = report.totals;
  process.stdout.write(`lint:openapi (redocly recommended): ${errors} errors, ${warnings} warnings\n`);
  if (errors + warnings > 0) process.exitCode = 1;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
