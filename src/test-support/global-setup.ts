/**
 * Tests that spawn the real CLI (restart safety, start/stop) run dist/. Build once before
 * any test file runs, so those tests exercise the current source, never a stale build.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  // Each vitest project (vitest.config.ts) runs its global set-up; one build serves them all.
  if (process.env.PAYGATE_TEST_BUILT === '1') return;
  process.env.PAYGATE_TEST_BUILT = '1';
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}
