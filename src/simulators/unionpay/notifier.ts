// The back-end notification outbox. Rows live in the state DB so pending retries survive a
// restart; an attempt is claimed (attempts+1, next time) before the HTTP call so a crash
// mid-send leads to a retry, never to a silently lost notification.
import type { Faults } from '../common/faults.js';
import type { Ca } from './ca.js';
import { acpSign } from './crypto.js';
import type { NotificationRow, Store, TxnRow } from './store.js';

const MINUTE = 60_000;
/**
 * Gaps after attempt 1..5. UnionPay's exact schedule is unconfirmed (unionpay.md); this
 * assumes the commonly reported growing gaps of 1, 2, 4, 8 and 16 minutes (6 sends).
 */
export const RETRY_DELAYS_MS: readonly number[] = [MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE, 16 * MINUTE];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
const SEND_TIMEOUT_MS = 10_000;

export interface NotifierOptions {
  store: Store;
  ca: Ca;
  faults: () => Faults;
  timeScale: number;
  now: () => number;
  log: (message: string) => void;
}

export class Notifier {
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly abort = new AbortController();
  private closed = false;

  constructor(private readonly o: NotifierOptions) {}

  /** Call inside the state change's transaction; no-op without backUrl. */
  enqueue(txn: TxnRow, fields: Record<string, string>): void {
    if (!txn.back_url) return;
    this.o.store.insertNotification({
      txn_id: txn.id, url: txn.back_url, fields: JSON.stringify(fields), attempts: 0, next_attempt_at: this.o.now(), status: 'pending', last_error: null,
    });
    setImmediate(() => this.runDue());
  }

  runDue(): void {
    if (this.closed) return;
    for (const row of this.o.store.dueNotifications(this.o.now(), 50)) {
      if (this.inFlight.has(row.id)) continue;
      const p = this.deliver(row)
        .catch((err: unknown) => this.o.log(`unionpay-sim: notification ${row.id} failed: ${String(err)}`))
        .finally(() => this.inFlight.delete(row.id));
      this.inFlight.set(row.id, p);
    }
  }

  /** The signed, URL-encoded form one attempt sends. */
  signedBody(row: NotificationRow): string {
    const fields = { ...(JSON.parse(row.fields) as Record<string, string>), signPubKeyCert: this.o.ca.signCertPem };
    return new URLSearchParams({ ...fields, signature: acpSign(fields, this.o.ca.signKey) }).toString();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async deliver(row: NotificationRow): Promise<void> {
    const { store } = this.o;
    const faults = this.o.faults();
    if (faults.drop_notifications) {
      store.updateNotification(row.id, { status: 'dropped', last_error: 'dropped by fault injection' });
      return;
    }
    const attempt = row.attempts + 1;
    const gap = RETRY_DELAYS_MS[attempt - 1];
    const now = this.o.now();
    store.updateNotification(row.id, { attempts: attempt, next_attempt_at: gap === undefined ? now : now + Math.round(gap * this.o.timeScale) });
    const body = this.signedBody(row);
    const copies = faults.duplicate_notifications ? faults.duplicate_count : 1;
    const results = await Promise.all(Array.from({ length: copies }, () => this.post(row.url, body)));
    if (this.closed) return;
    if (results.some((r) => r.ok)) {
      store.updateNotification(row.id, { status: 'delivered', last_error: null });
      return;
    }
    store.updateNotification(row.id, { status: attempt >= MAX_ATTEMPTS ? 'failed' : 'pending', last_error: (results[0]?.error ?? 'unknown').slice(0, 500) });
  }

  private async post(url: string, body: string): Promise<{ ok: boolean; error?: string }> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(SEND_TIMEOUT_MS)]),
      });
      await res.arrayBuffer();
      // UnionPay reads only the status: 200 means received.
      return res.status === 200 ? { ok: true } : { ok: false, error: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }
}
