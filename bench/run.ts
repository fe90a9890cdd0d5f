/**
 * Benchmark entry point: `npm run bench -- <name> [options]`; `npm run bench` alone runs `bulk`.
 * Each benchmark prints one JSON object per measured configuration on stdout;
 * progress and diagnostics go to stderr.
 */
const BENCHES: Record<string, () => Promise<{ main(argv: string[]): Promise<void> }>> = {
  bulk: () => import('./bulk.ts'),
  batch: () => import('./batch.ts'),
  csv: () => import('./csv.ts'),
  'write-path': () => import('./write-path.ts'),
  pdf: () => import('./pdf.ts'),
  orders: () => import('./orders.ts'),
  'credit-notes': () => import('./credit-notes.ts'),
  webhooks: () => import('./webhooks.ts'),
  recurring: () => import('./recurring.ts'),
  stripe: () => import('./stripe.ts'),
  bank: () => import('./bank.ts'),
  fuzz: () => import('./fuzz.ts'),
};

async function run(): Promise<void> {
  const args = process.argv.slice(2);
  const named = args[0] !== undefined && !args[0].startsWith('-');
  const name = named ? (args[0] as string) : 'bulk';
  const rest = named ? args.slice(1) : args;
  const load = BENCHES[name];
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
