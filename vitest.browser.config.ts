import { defineConfig } from 'vitest/config';

/** Browser checks need Debian's Chromium (/usr/bin/chromium): `npm run test:browser`. */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
