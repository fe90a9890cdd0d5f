import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { printBanner, startServer, stopOnSignals } from '../../server.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the HTTP API (same as `npm start`): migrates, seeds the demo business on first start, listens on PORT.')
    .option('-p, --port <port>', 'port to listen on (overrides PORT)')
    .option('--host <host>', 'interface to bind (overrides HOST)')
    .action(async (options: { port?: string; host?: string }) => {
      // Through loadConfig, so a bad --port is reported exactly like a bad PORT.
      const config = loadConfig({
        ...process.env,
        ...(options.port !== undefined ? { PORT: options.port } : {}),
        ...(options.host !== undefined ? { HOST: options.host } : {}),
      });
      const server = await startServer(config);
      printBanner(server);
      stopOnSignals(server);
    });
}
