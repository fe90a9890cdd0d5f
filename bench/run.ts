/**
 * Benchmark entry point: `npm run bench -- <name> [options]`.
 * Each benchmark prints one JSON object per measured configuration on stdout;
 * progress and diagnostics go to stderr.
 */
const BENCHES: Record<string, () => Promise<{ main(argv: string[]): Promise<void> }>> = {
  bulk: () => import('./bulk.ts'),
  'write-path': () => import('./write-path.ts'),
};

async function run(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  const load = name === undefined ? undefined : BENCHES[name];
  if (!load) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [options]\n`);
    process.exitCode = 2;
    return;
  }
  await (await load()).main(rest);
}

run().then(
  // Pools and timers of a stopped server must not keep the process alive.
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
