import fs from 'node:fs';

/** Another live process holds the PGlite data directory. */
export class DataDirLocked extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `The database in ${dir} is open in another process (pid ${pid}), probably a running server (npm start). ` +
        'PGlite allows one process per data directory: stop that process first, or do this through its HTTP API ' +
        '(see the README: POST /api/v1/businesses with BILLOW_ADMIN_TOKEN, or the token in credentials.json).',
    );
    this.name = 'DataDirLocked';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; only ESRCH means it is gone.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function tryCreate(file: string): boolean {
  try {
    fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Takes the exclusive lock of a PGlite data directory: `<dir>.lock` holds the owner's pid and
 * is created with O_EXCL, so of two processes only one opens the directory (two PGlite
 * instances on one directory lose writes and can corrupt it). A lock whose process is gone
 * (killed with SIGKILL) is taken over. Returns the release function, also run at exit.
 */
export function lockDataDir(dir: string): () => void {
  const file = `${dir}.lock`;
  for (let attempt = 0; !tryCreate(file); attempt++) {
    const pid = holder(file);
    if (pid !== undefined && (pid === process.pid || isAlive(pid))) throw new DataDirLocked(dir, pid);
    if (attempt > 0) throw new DataDirLocked(dir, pid ?? 0);
    fs.rmSync(file, { force: true });
  }
  const release = () => {
    process.off('exit', release);
    if (holder(file) === process.pid) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return release;
}
