/** A tiny `--name value` / `--flag` parser: the benchmarks need nothing more. */
export interface Args {
  positional: string[];
  options: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const next = argv[i + 1];
    if (inline !== undefined) options.set(name, inline);
    else if (next !== undefined && !next.startsWith('--')) {
      options.set(name, next);
      i++;
    } else options.set(name, true);
  }
  return { positional, options };
}

export function numberOption(args: Args, name: string, fallback: number, min = 0): number {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw === true || !Number.isFinite(value) || value < min) throw new Error(`--${name} needs a number ≥ ${min}, got '${String(raw)}'.`);
  return value;
}

export function stringOption(args: Args, name: string, fallback: string): string {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  if (raw === true) throw new Error(`--${name} needs a value.`);
  return raw;
}

export const flag = (args: Args, name: string): boolean => args.options.get(name) === true || args.options.get(name) === 'true';

export type BenchDatabase = 'postgresql' | 'pglite';

/** `--db both|postgresql|pglite` (default both) as the list of databases to run on. */
export function databasesOption(args: Args): BenchDatabase[] {
  const db = stringOption(args, 'db', 'both');
  if (!['both', 'postgresql', 'pglite'].includes(db)) throw new Error(`--db must be both, postgresql or pglite, got '${db}'.`);
  return db === 'both' ? ['postgresql', 'pglite'] : [db as BenchDatabase];
}
