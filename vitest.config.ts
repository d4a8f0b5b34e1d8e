import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/{src,test}/**/*.test.ts',
      'apps/*/{src,test}/**/*.test.{ts,tsx}',
      // The board in a real browser against a real server (Debian's Chromium).
      'apps/web/e2e/**/*.e2e.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests spawn real processes; two cores are shared between the files running at once.
    maxWorkers: 2,
  },
});
