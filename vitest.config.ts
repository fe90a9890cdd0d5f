import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/helpers/stripe-guard.ts'],
    // Secrets at rest are sealed with this key in every test and every process a test starts
    // (PostgreSQL requires one). Not a real key: it seals only test data.
    env: { BILLOW_SECRET_KEY: 'dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0=' },
    isolate: false,
    fileParallelism: true,
  },
});
