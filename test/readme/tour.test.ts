import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUp, freePort, newScratch, ROOT, type Server, startServer, stopServer, TIMEOUT, tempDataDir } from '../cli/processes.ts';
import { readTour, shownPairs, shownWords, type TourStep } from './tour.ts';

// The README's numbered tour, run in order against a fresh `npm start` (PGlite on a new data
// directory), every shown value checked. A step added to the README is covered as it is; an
// output that drifts from what the README shows fails here. The harness changes only where
// things run: the server's address and data directory, `npx billow` as `node bin/billow.js`,
// and `webhooks listen` and the fake Stripe (second terminals in the README) in the background,
// the fake on a free port that the server is started with as STRIPE_API_URL.

const scratch = newScratch();
afterAll(() => cleanUp(scratch));

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const tour = readTour(readme);
const MARK = '@@tour-step';

const README_STRIPE_PORT = '12111';

function localize(script: string, base: string, dataDir: string, work: string, stripePort: number): string {
  return script
    .replaceAll('http://localhost:3000', base)
    .replaceAll(`127.0.0.1:${README_STRIPE_PORT}`, `127.0.0.1:${stripePort}`)
    .replace(/npx tsx (scripts\/fake-stripe\.ts)[^\n]*?--port \d+([^\n]*)/g, `npx tsx $1 --port ${stripePort}$2 > ${work}/stripe.log 2>&1 & echo $! > ${work}/stripe.pid; for i in $(seq 150); do grep -q listening ${work}/stripe.log && break; sleep 0.2; done`)
    .replaceAll('./data/', `${dataDir}/`)
    .replace(/(^|[\s'"(])data\//g, `$1${dataDir}/`)
    .replace(/npx billow (webhooks listen[^\n]*)/g, `node bin/billow.js $1 --port 0 > ${work}/listen.log 2>&1 & echo $! > ${work}/listen.pid; for i in $(seq 100); do grep -q Listening ${work}/listen.log && break; sleep 0.2; done`)
    .replaceAll('npx billow', 'node bin/billow.js')
    .replace(/-o invoice\.pdf/g, `-o ${work}/invoice.pdf`);
}

function tourScript(base: string, dataDir: string, work: string, stripePort: number): string {
  const steps = tour.steps.map((s) => `printf '\\n${MARK} ${s.number}\\n'\n${localize(s.script, base, dataDir, work, stripePort)}`);
  return [localize(tour.preamble, base, dataDir, work, stripePort), ...steps, `printf '\\n${MARK} end\\n'`].join('\n');
}

function runScript(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    scratch.children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Each step's output, by step number. */
function outputsByStep(stdout: string): Map<number, string> {
  const outputs = new Map<number, string>();
  const parts = stdout.split(new RegExp(`\\n${MARK} `));
  for (const part of parts.slice(1)) {
    const newline = part.indexOf('\n');
    const number = Number(part.slice(0, newline));
    if (Number.isFinite(number)) outputs.set(number, part.slice(newline + 1));
  }
  return outputs;
}

/** What the step's README output shows but its real output lacks. */
function missing(step: TourStep, actual: string): string[] {
  const lines = actual.split('\n');
  return step.expected.flatMap((text) => {
    const pairs = shownPairs(text);
    if (pairs.length > 0) return pairs.filter((pair) => !actual.includes(pair));
    if (/[{}[\]]/.test(text)) return [];
    const words = shownWords(text);
    const found = lines.some((line) => {
      let at = 0;
      return words.every((w) => {
        const i = line.indexOf(w, at);
        at = i + w.length;
        return i >= 0;
      });
    });
    return found || words.length === 0 ? [] : [text];
  });
}

describe('README tour', () => {
  it('has numbered steps 1, 2, 3, … in order', () => {
    expect(tour.steps.length).toBeGreaterThan(10);
    expect(tour.steps.map((s) => s.number)).toEqual(tour.steps.map((_, i) => i + 1));
  });

  it('runs step by step against a fresh server and prints what the README shows', { timeout: 6 * TIMEOUT }, async () => {
    const dataDir = tempDataDir(scratch);
    const work = tempDataDir(scratch);
    const port = await freePort();
    const stripePort = await freePort();
    // A loaded machine may take over a minute to start a fresh PGlite server.
    const server: Server = await startServer(scratch, dataDir, port, { WEBHOOK_ALLOW_PRIVATE: 'true', STRIPE_API_URL: `http://127.0.0.1:${stripePort}` }, 2 * TIMEOUT);
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, BILLOW_DATA_DIR: dataDir, BILLOW_URL: server.base, PORT: String(port), LOG_LEVEL: 'warn' };
      delete env.DATABASE_URL;
      const run = await runScript(tourScript(server.base, dataDir, work, stripePort), env);
      expect(run.stdout, run.stderr).toContain(`${MARK} end`);
      // The receiver of `webhooks listen` prints as events arrive: give delivery a moment.
      let outputs = outputsByStep(run.stdout);
      const listenLog = () => (fs.existsSync(`${work}/listen.log`) ? fs.readFileSync(`${work}/listen.log`, 'utf8') : '');
      const actualOf = (step: TourStep) => `${outputs.get(step.number) ?? ''}\n${listenLog()}`;
      for (let i = 0; i < 300 && tour.steps.some((s) => missing(s, actualOf(s)).length > 0); i++) await new Promise((r) => setTimeout(r, 200));
      outputs = outputsByStep(run.stdout);
      // TOUR_DUMP=file writes every step's real output, for whoever updates the README.
      if (process.env.TOUR_DUMP) fs.writeFileSync(process.env.TOUR_DUMP, tour.steps.map((s) => `# ${s.number}.\n${actualOf(s)}`).join('\n'));
      const report = tour.steps.flatMap((step) => {
        const lacks = missing(step, actualOf(step));
        return lacks.length === 0 ? [] : [`step ${step.number} (${step.title}) lacks ${JSON.stringify(lacks)}\n  got: ${(outputs.get(step.number) ?? '').slice(0, 1500)}`];
      });
      expect(report.join('\n\n'), run.stderr).toBe('');
    } finally {
      // The throwaway server goes too, so the receiver need not unregister itself.
      for (const file of ['listen.pid', 'stripe.pid']) {
        const pid = fs.existsSync(`${work}/${file}`) ? Number(fs.readFileSync(`${work}/${file}`, 'utf8')) : 0;
        if (pid > 0 && isRunning(pid)) process.kill(pid, 'SIGKILL');
      }
      await stopServer(server);
    }
  });
});
