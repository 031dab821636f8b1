// The asynchronous-notification outbox. Rows live in the state DB so that pending retries
// survive a restart; a send "claims" its attempt (attempts+1, next retry time) before the
// HTTP call, so a crash mid-send leads to a retry rather than a silently lost notification.
import { canonicalString, NOTIFY_SIGN_EXCLUDES, rsa2Sign, type Signer } from './crypto.js';
import type { Faults } from '../common/faults.js';
import { formatCst } from './format.js';
import { newNotifyId } from './ids.js';
import type { NotificationRow, Store, TradeRow } from './store.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Gaps after attempt 1..7 (Alipay: 8 notifications within 25 h). */
export const RETRY_DELAYS_MS: readonly number[] = [4 * MINUTE, 10 * MINUTE, 10 * MINUTE, HOUR, 2 * HOUR, 6 * HOUR, 15 * HOUR];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

const SEND_TIMEOUT_MS = 10_000;
const BATCH = 50;
const MAX_ERROR_LENGTH = 500;

export interface NotifierOptions {
  store: Store;
  /** Signs for the trade's app: Alipay's key, or in certificate mode its current certificate's. */
  signerFor: (appId: string) => Signer;
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

  /**
   * Records a notification for the trade (no-op without notify_url). Call inside the same
   * transaction as the state change so the two are never out of step.
   */
  enqueue(trade: TradeRow, fields: Record<string, string>): NotificationRow | undefined {
    if (!trade.notify_url) return undefined;
    const notifyId = newNotifyId();
    const now = this.o.now();
    const withId: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields)) {
      withId[k] = v;
      if (k === 'notify_type') withId.notify_id = notifyId;
    }
    const row = this.o.store.insertNotification({
      notify_id: notifyId,
      trade_id: trade.id,
      url: trade.notify_url,
      fields: JSON.stringify(withId),
      attempts: 0,
      next_attempt_at: now,
      status: 'pending',
      last_error: null,
      created_at: now,
      delivered_at: null,
    });
    // First delivery right after the current transaction commits rather than on the next tick.
    setImmediate(() => this.runDue());
    return row;
  }

  /** Starts sends for every due row that is not already in flight. */
  runDue(): void {
    if (this.closed) return;
    const due = this.o.store.dueNotifications(this.o.now(), BATCH);
    for (const row of due) {
      if (this.inFlight.has(row.id)) continue;
      const p = this.deliver(row)
        .catch((err: unknown) => this.o.log(`alipay-sim: notification ${row.notify_id} failed: ${String(err)}`))
        .finally(() => this.inFlight.delete(row.id));
      this.inFlight.set(row.id, p);
    }
  }

  /**
   * Serialised form body for one attempt: notify_time is the send time, so it is re-signed
   * each time — with the certificate current then, so retries after a rotation name the new one.
   */
  signedBody(row: NotificationRow): string {
    const stored = JSON.parse(row.fields) as Record<string, string>;
    const signer = this.o.signerFor(stored.app_id ?? '');
    const fields: Record<string, string> = { notify_time: formatCst(this.o.now()), ...stored };
    // Certificate mode: alipay_cert_sn is a form field like the others, so it is signed too.
    if (signer.certSn !== undefined) fields.alipay_cert_sn = signer.certSn;
    fields.sign = rsa2Sign(canonicalString(fields, NOTIFY_SIGN_EXCLUDES), signer.privateKey);
    return new URLSearchParams(fields).toString();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async deliver(row: NotificationRow): Promise<void> {
    const { store } = this.o;
    const faults = this.o.faults();
    if (row.attempts >= MAX_ATTEMPTS) {
      store.updateNotification(row.id, { status: 'failed' });
      return;
    }
    if (faults.drop_notifications) {
      store.updateNotification(row.id, { status: 'dropped', last_error: 'dropped by fault injection' });
      return;
    }
    const attempt = row.attempts + 1;
    const gap = RETRY_DELAYS_MS[attempt - 1];
    const now = this.o.now();
    store.updateNotification(row.id, {
      attempts: attempt,
      next_attempt_at: gap === undefined ? now : now + Math.round(gap * this.o.timeScale),
    });

    const charset = (JSON.parse(row.fields) as Record<string, string>).charset ?? 'utf-8';
    const body = this.signedBody(row);
    const copies = faults.duplicate_notifications ? faults.duplicate_count : 1;
    const results = await Promise.all(Array.from({ length: copies }, () => this.post(row.url, body, charset)));
    if (this.closed) return;

    if (results.some((r) => r.ok)) {
      store.updateNotification(row.id, { status: 'delivered', delivered_at: this.o.now(), last_error: null });
      return;
    }
    const error = (results[0]?.error ?? 'unknown').slice(0, MAX_ERROR_LENGTH);
    store.updateNotification(row.id, { status: attempt >= MAX_ATTEMPTS ? 'failed' : 'pending', last_error: error });
  }

  private async post(url: string, body: string, charset: string): Promise<{ ok: boolean; error?: string }> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': `application/x-www-form-urlencoded; charset=${charset}` },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(SEND_TIMEOUT_MS)]),
      });
      const text = await res.text();
      if (text.trim() === 'success') return { ok: true };
      return { ok: false, error: `HTTP ${res.status}, body ${JSON.stringify(text.slice(0, 100))} (expected "success")` };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }
}
