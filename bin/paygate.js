#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli/main.js (built by `npm run build`, run on install).
// One line, no stack (the CLI's own errors never get here; this is a missing or broken build).
import('../dist/cli/main.js').then((m) => m.main(process.argv.slice(2))).catch((err) => {
  console.error(`paygate: ${err?.message ?? err}${err?.code === 'ERR_MODULE_NOT_FOUND' ? ' (run `npm run build` first)' : ''}`);
  if (process.env.DEBUG) console.error(err);
  process.exit(1);
});
