import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that load the whole machine themselves (several gateway processes, a database or
 * Redis killed and restarted, the CLI spawned again and again) and measure how the system
 * rides it out against real-time deadlines. Beside another file they starve it and are
 * starved by it — each CI failure on 2 cores was one of these or a file running next to
 * one — so they run after the rest, one at a time.
 */
const ALONE = [
  'src/http/multinode.test.ts',
  'src/http/fault-injection.test.ts',
  'src/http/pg-outage.test.ts',
  'src/http/redis-outage.test.ts',
  'src/http/restart.test.ts',
  'src/http/cashier-multinode.test.ts',
  'src/start-up.test.ts',
  'src/cli/gateway-cli.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['src/test-support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        // Each file owns its own schema / data dir, so files run in parallel. Two workers on
        // the 2-core CI machine (vitest's default there is one): a file spends seconds
        // importing the app while the other waits on its servers.
        test: { name: 'parallel', include: ['src/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ALONE], maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
