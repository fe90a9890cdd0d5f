import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { billow, cleanUp, freePort, newScratch, ROOT, startServer, stopServer, TIMEOUT, tempDataDir } from './processes.ts';

// One process per PGlite data directory: a CLI command beside a running server refuses
// instead of writing where the server cannot see it.

const scratch = newScratch();
afterAll(() => cleanUp(scratch));

const credentials = (dataDir: string) => JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8')) as { business_id: string; token: string };

describe('the PGlite data directory lock', () => {
  it('a CLI command (and a second server) beside a running server refuses with exit 1 and writes nothing', { timeout: 3 * TIMEOUT }, async () => {
    const dataDir = tempDataDir(scratch);
    const server = await startServer(scratch, dataDir, await freePort());
    const { business_id } = credentials(dataDir);
    try {
      expect(fs.readFileSync(path.join(dataDir, 'db.lock'), 'utf8').trim()).toBe(String(server.child.pid));
      const refused = await billow(scratch, ['tokens', 'create', '--business', business_id, '--name', 'beside'], dataDir);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(`open in another process (pid ${server.child.pid})`);
      expect(refused.stderr).toContain('[database.locked]');
      const second = await billow(scratch, ['serve', '--port', String(await freePort())], dataDir);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('open in another process');
      const health = await fetch(`${server.base}/health`);
      expect(health.status).toBe(200);
    } finally {
      expect(await stopServer(server)).toBe(0);
    }
    expect(fs.existsSync(path.join(dataDir, 'db.lock'))).toBe(false);
    const after = await billow(scratch, ['tokens', 'create', '--business', business_id, '--name', 'after'], dataDir);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).token).toMatch(/^bw_pat_/);
  });

  it('takes over the lock of a process that is gone (killed with SIGKILL)', { timeout: TIMEOUT }, async () => {
    const dataDir = tempDataDir(scratch);
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.once('exit', resolve));
    fs.writeFileSync(path.join(dataDir, 'db.lock'), `${dead.pid}\n`);
    const run = await billow(scratch, ['migrate'], dataDir);
    expect(run.code, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'db.lock'))).toBe(false);
  });
});

describe('npm start', () => {
  it('stops the server on SIGTERM to npm: the server is the process npm runs', { timeout: 2 * TIMEOUT }, async () => {
    const dataDir = tempDataDir(scratch);
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, BILLOW_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    const npm = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    scratch.children.add(npm);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner:\n${output}`)), TIMEOUT);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('API docs:')) {
          clearTimeout(timer);
          resolve();
        }
      };
      npm.stdout.on('data', onData);
      npm.stderr.on('data', onData);
    });
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    npm.kill('SIGTERM');
    await exited;
    // The lock file goes with the server, so no node process is left holding the directory.
    for (let i = 0; i < 50 && fs.existsSync(path.join(dataDir, 'db.lock')); i++) await new Promise((r) => setTimeout(r, 200));
    expect(fs.existsSync(path.join(dataDir, 'db.lock'))).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });
});
