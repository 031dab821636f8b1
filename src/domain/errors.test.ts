/**
 * The error catalog checked as fastify checks lib/errors.js (test/internals/errors.test.js):
 * a fixed count, so adding or dropping a code is a decision someone makes in review; each
 * code behaves as its key; the docs list exactly the catalog. Paygate adds what a namespaced
 * catalog needs: a fixed list of namespaces, no code literal in src/ that the catalog lacks,
 * statuses that fit the namespace, and hints that tell the reader what to do.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, PaygateError, type ErrorCode } from './errors.js';

const EXPECTED_CODES = 100;
const CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];
const SRC = path.resolve(import.meta.dirname, '..');
const DOC = path.resolve(SRC, '../docs/errors.md');

/** A new namespace is a new family of client branches: it is added here on purpose, not by a typo. */
const NAMESPACES = [
  'VALIDATION', 'AUTH', 'RESOURCE', 'MERCHANT', 'API_KEY', 'PAYMENT', 'REFUND', 'DISPUTE', 'WEBHOOK_ENDPOINT', 'EVENT',
  'JOB', 'PROVIDER_ACCOUNT', 'IDEMPOTENCY', 'CONNECTOR', 'NOTIFY', 'SERVICE', 'ROUTING', 'RATE_LIMIT', 'RECON', 'RISK', 'INTERNAL',
] as const;

/**
 * Provider wire values that happen to look like our codes. WeChat Pay names its refund
 * notification events REFUND.SUCCESS / REFUND.CLOSED / REFUND.ABNORMAL; they may appear only
 * in the WeChat Pay connector, simulator and their tests.
 */
const WIRE_LOOKALIKES: Record<string, RegExp> = {
  'REFUND.SUCCESS': /wechatpay/,
  'REFUND.CLOSED': /wechatpay/,
  'REFUND.ABNORMAL': /wechatpay/,
};

const namespaceOf = (code: string) => code.slice(0, code.indexOf('.'));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' ? [] : sourceFiles(p);
    return d.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every `code` cell of the docs table: | `NS.CODE` | 404 | ... | */
function documentedRows(): Array<{ code: string; status: number }> {
  const doc = fs.readFileSync(DOC, 'utf8');
  return [...doc.matchAll(/^\| `([A-Z_]+\.[A-Z0-9_]+)` \| (\d{3}) \|/gm)].map((m) => ({ code: m[1]!, status: Number(m[2]) }));
}

describe('error catalog', () => {
  it(`has ${EXPECTED_CODES} codes`, () => {
    expect(CODES).toHaveLength(EXPECTED_CODES);
  });

  it('each code is its key: a PaygateError carries the code, status and hint of its row', () => {
    for (const code of CODES) {
      const err = new PaygateError(code);
      expect(err, code).toBeInstanceOf(Error);
      expect(err.name).toBe('PaygateError');
      expect(err.code).toBe(code);
      expect(err.status).toBe(ERROR_CATALOG[code].status);
      expect(err.message).toBe(ERROR_CATALOG[code].hint);
    }
  });

  it('codes are NAMESPACE.NAME in upper snake case, in a known namespace', () => {
    for (const code of CODES) {
      expect(code).toMatch(/^[A-Z][A-Z_]*\.[A-Z][A-Z0-9_]*$/);
      expect(NAMESPACES, code).toContain(namespaceOf(code));
    }
    // A namespace without codes is a stale entry in the list above.
    for (const ns of NAMESPACES) expect(CODES.some((c) => namespaceOf(c) === ns), ns).toBe(true);
  });

  it('every code-shaped literal in src/ is a catalog code (no typos, no codes outside the catalog)', () => {
    const unknown: string[] = [];
    const literal = new RegExp(`['"\`]((?:${NAMESPACES.join('|')})\\.[A-Z][A-Z0-9_]*)['"\`]`, 'g');
    const self = path.resolve(import.meta.dirname, 'errors.test.ts'); // its own allow-list above
    for (const file of sourceFiles(SRC).filter((f) => f !== self)) {
      const rel = path.relative(SRC, file);
      for (const m of fs.readFileSync(file, 'utf8').matchAll(literal)) {
        const code = m[1]!;
        if (code in ERROR_CATALOG) continue;
        if (WIRE_LOOKALIKES[code]?.test(rel)) continue;
        unknown.push(`${rel}: ${code}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('statuses are HTTP error statuses that fit the namespace', () => {
    for (const code of CODES) {
      const { status } = ERROR_CATALOG[code];
      expect(http.STATUS_CODES[status], `${code} ${status}`).toBeDefined();
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      if (code.endsWith('.NOT_FOUND')) expect(status, code).toBe(404);
      const ns = namespaceOf(code);
      // The caller's mistake is a 4xx; a provider or Paygate itself failing is a 5xx.
      if (['VALIDATION', 'AUTH', 'IDEMPOTENCY', 'MERCHANT', 'API_KEY', 'PAYMENT', 'REFUND', 'DISPUTE', 'EVENT', 'WEBHOOK_ENDPOINT'].includes(ns)) expect(status, code).toBeLessThan(500);
      if (['CONNECTOR', 'SERVICE', 'INTERNAL'].includes(ns)) expect(status, code).toBeGreaterThanOrEqual(500);
      if (ns === 'AUTH') expect(status, code).toBe(401);
    }
  });

  it('every hint is a sentence that says what to do', () => {
    // A heuristic, on purpose strict: a hint names an action (send, use, check, retry …) or a
    // requirement (must, needs) so the reader never gets a bare "it failed".
    const action = /\b(send|use|check|correct|retry|repeat|add|create|list|lower|raise|update|change|set|spread|close|poll|wait|answer|refund|look|read|suspect|keep|have the admin|have the operator|must|needs|see)\b/i;
    for (const code of CODES) {
      const { hint } = ERROR_CATALOG[code];
      expect(hint, code).toMatch(/^[A-Za-z/`]/);
      expect(hint, code).toMatch(/[.)]$/);
      expect(hint, code).toMatch(action);
    }
  });
});

describe('docs/errors.md', () => {
  it('lists every code with its status', () => {
    const rows = new Map(documentedRows().map((r) => [r.code, r.status]));
    for (const code of CODES) expect(rows.get(code), code).toBe(ERROR_CATALOG[code].status);
  });

  it('documents no code the catalog lacks, and each one once', () => {
    const rows = documentedRows();
    for (const { code } of rows) expect(CODES, code).toContain(code);
    expect(rows).toHaveLength(CODES.length);
  });
});
