// The notification outbox. Rows live in the state DB so pending retries survive a restart;
// a send claims its attempt (attempts+1, next retry time) before the HTTP call, so a crash
// mid-send leads to a retry rather than a silently lost notification.
import { randomNonce, responseSigningString, sha256WithRsaSign, AUTH_SCHEME } from './crypto.js';
import type { Faults } from '../common/faults.js';
import { newNotificationId } from './ids.js';
import type { Signer } from './keys.js';
import type { NotificationRow, Store } from './store.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
/** Gaps after attempt 1..15: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h (wechatpay.md, ~24 h). */
export const RETRY_DELAYS_MS: readonly number[] = [15 * S, 15 * S, 30 * S, 3 * M, 10 * M, 20 * M, 30 * M, 30 * M, 30 * M, 60 * M, 3 * H, 3 * H, 3 * H, 6 * H, 6 * H];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

const SEND_TIMEOUT_MS = 5_000;
const BATCH = 50;

export interface NotifierOptions {
  store: Store;
  signerFor: (mchid: string) => Signer | undefined;
  faults: () => Faults;
  timeScale: number;
  now: () => number;
  log: (message: string) => void;
}

export interface Envelope {
  id: string;
  create_time: string;
  resource_type: 'encrypt-resource';
  event_type: string;
  summary: string;
  resource: object;
}

export class Notifier {
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly abort = new AbortController();
  private closed = false;

  constructor(private readonly o: NotifierOptions) {}

  /** Records a notification; call inside the state change's transaction. */
  enqueue(mchid: string, url: string, make: (id: string) => Envelope): NotificationRow {
    const now = this.o.now();
    const notifyId = newNotificationId();
    const row = this.o.store.insertNotification({
      notify_id: notifyId, mchid, url, body: JSON.stringify(make(notifyId)), attempts: 0, next_attempt_at: now,
      status: 'pending', last_error: null, created_at: now, delivered_at: null,
    });
    // First delivery right after the current transaction commits, not on the next tick.
    setImmediate(() => this.runDue());
    return row;
  }

  runDue(): void {
    if (this.closed) return;
    for (const row of this.o.store.dueNotifications(this.o.now(), BATCH)) {
      if (this.inFlight.has(row.id)) continue;
      const p = this.deliver(row)
        .catch((err: unknown) => this.o.log(`wechatpay-sim: notification ${row.notify_id} failed: ${String(err)}`))
        .finally(() => this.inFlight.delete(row.id));
      this.inFlight.set(row.id, p);
    }
  }

  /** Headers for one attempt: every retry is signed afresh (new timestamp and nonce), over the same body. */
  signedHeaders(row: NotificationRow): Record<string, string> | undefined {
    const signer = this.o.signerFor(row.mchid);
    if (!signer) return undefined;
    const timestamp = String(Math.floor(this.o.now() / 1000));
    const nonce = randomNonce();
    return {
      'content-type': 'application/json',
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-serial': signer.serial,
      'wechatpay-signature': sha256WithRsaSign(responseSigningString(timestamp, nonce, row.body), signer.privateKey),
      'wechatpay-signature-type': AUTH_SCHEME,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async deliver(row: NotificationRow): Promise<void> {
    const { store } = this.o;
    const faults = this.o.faults();
    if (row.attempts >= MAX_ATTEMPTS) return store.updateNotification(row.id, { status: 'failed' });
    if (faults.drop_notifications) return store.updateNotification(row.id, { status: 'dropped', last_error: 'dropped by fault injection' });
    const attempt = row.attempts + 1;
    const gap = RETRY_DELAYS_MS[attempt - 1];
    const now = this.o.now();
    store.updateNotification(row.id, { attempts: attempt, next_attempt_at: gap === undefined ? now : now + Math.round(gap * this.o.timeScale) });
    const headers = this.signedHeaders(row);
    if (!headers) return store.updateNotification(row.id, { status: 'failed', last_error: 'merchant no longer registered' });
    const copies = faults.duplicate_notifications ? faults.duplicate_count : 1;
    const results = await Promise.all(Array.from({ length: copies }, () => this.post(row.url, row.body, headers)));
    if (this.closed) return;
    if (results.some((r) => r.ok)) return store.updateNotification(row.id, { status: 'delivered', delivered_at: this.o.now(), last_error: null });
    store.updateNotification(row.id, { status: attempt >= MAX_ATTEMPTS ? 'failed' : 'pending', last_error: (results[0]?.error ?? 'unknown').slice(0, 500) });
  }

  private async post(url: string, body: string, headers: Record<string, string>): Promise<{ ok: boolean; error?: string }> {
    try {
      const res = await fetch(url, {
        method: 'POST', headers, body, redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(SEND_TIMEOUT_MS)]),
      });
      const text = await res.text();
      // WeChat Pay: 200 or 204 means received; any other answer means "send again".
      if (res.status >= 200 && res.status < 300) return { ok: true };
      return { ok: false, error: `HTTP ${res.status}, body ${JSON.stringify(text.slice(0, 100))}` };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }
}
