import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores on CI: the end-to-end suites each start a loopback server and a real client.
    pool: 'forks',
    maxWorkers: 2,
  },
});
