/** Reconciliation runs and differences as the admin API and the CLI show them. */
import type { Difference } from '../../infra/db/repos/reconciliation-differences.js';
import type { ReconciliationRun } from '../../infra/db/repos/reconciliation-runs.js';
import { runWindow } from './runs.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const json = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

export function runToApi(r: ReconciliationRun) {
  const total = Object.values(r.differences).reduce((a, b) => a + (b ?? 0), 0);
  return {
    id: r.id, object: 'reconciliation_run' as const, provider: r.provider, provider_account_id: r.provider_account_id, merchant_id: r.merchant_id,
    day: r.day, window: runWindow(r) ?? null, status: r.status, trigger: r.trigger, executions: r.execution,
    rows_read: r.rows_read, rows_matched: r.rows_matched,
    /** Differences by class of the last finished execution (a repaired one stays counted). */
    differences: r.differences, differences_total: total,
    error: r.error_code === null ? null : { code: r.error_code, message: r.error_message ?? '' },
    started_at: iso(r.started_at), finished_at: iso(r.finished_at), created_at: iso(r.created_at),
  };
}

export function differenceToApi(d: Difference) {
  return {
    id: d.id, object: 'reconciliation_difference' as const, run_id: d.run_id, class: d.class, status: d.status,
    payment_id: d.payment_id, attempt_id: d.attempt_id, refund_id: d.refund_id, reference: d.reference, provider_transaction_id: d.provider_transaction_id,
    expected: json(d.expected), actual: json(d.actual), repair: json(d.repair),
    created_at: iso(d.created_at), updated_at: iso(d.updated_at),
  };
}

export const CSV_COLUMNS = ['id', 'class', 'status', 'payment_id', 'attempt_id', 'refund_id', 'reference', 'provider_transaction_id', 'expected', 'actual', 'repair', 'created_at'] as const;

/**
 * One CSV cell (RFC 4180 quoting). A cell that a spreadsheet would run as a formula
 * (= + - @ at the start) gets a leading apostrophe: bill fields come from outside.
 */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function differenceCsvLine(d: Difference): string {
  const api = differenceToApi(d);
  return `${CSV_COLUMNS.map((c) => csvCell(api[c])).join(',')}\r\n`;
}
