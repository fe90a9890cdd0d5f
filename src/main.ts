import { ConfigError, loadConfig } from './config.ts';
import { DataDirLocked } from './db/data-lock.ts';
import { printBanner, startServer, stopOnSignals } from './server.ts';

try {
  const server = await startServer(loadConfig());
  printBanner(server);
  stopOnSignals(server);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof DataDirLocked) {
    process.stderr.write(`Error: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
