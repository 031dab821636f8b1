import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['src/test-support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites start servers and databases; running files in parallel on the
    // 2-core CI machine is fine, but each file owns its own schema / data dir.
    pool: 'forks',
  },
});
