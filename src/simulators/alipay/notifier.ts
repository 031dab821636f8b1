// Alipay's asynchronous notifications (trade_status_sync) on the shared outbox: the form it
// posts, re-signed on every attempt, Alipay's schedule, and "success" as the only acknowledgement.
import type { Outbox, OutboxProtocol } from '../common/outbox.js';
import { canonicalString, NOTIFY_SIGN_EXCLUDES, rsa2Sign, type Signer } from './crypto.js';
import { formatCst } from './format.js';
import { newNotifyId } from './ids.js';
import type { NotificationRow, TradeRow } from './store.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Gaps after attempt 1..7 (Alipay: 8 notifications within 25 h). */
export const RETRY_DELAYS_MS: readonly number[] = [4 * MINUTE, 10 * MINUTE, 10 * MINUTE, HOUR, 2 * HOUR, 6 * HOUR, 15 * HOUR];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/**
 * Serialised form body for one attempt: notify_time is the send time, so it is re-signed
 * each time — with the certificate current then, so retries after a rotation name the new one.
 */
function signedBody(stored: Record<string, string>, signer: Signer, now: number): string {
  const fields: Record<string, string> = { notify_time: formatCst(now), ...stored };
  // Certificate mode: alipay_cert_sn is a form field like the others, so it is signed too.
  if (signer.certSn !== undefined) fields.alipay_cert_sn = signer.certSn;
  fields.sign = rsa2Sign(canonicalString(fields, NOTIFY_SIGN_EXCLUDES), signer.privateKey);
  return new URLSearchParams(fields).toString();
}

/** How the outbox sends an Alipay notification; `signerFor` signs for the trade's app. */
export function notificationProtocol(signerFor: (appId: string) => Signer, now: () => number): OutboxProtocol<NotificationRow> {
  return {
    retryDelaysMs: RETRY_DELAYS_MS,
    request: (row) => {
      const stored = JSON.parse(row.fields) as Record<string, string>;
      const body = signedBody(stored, signerFor(stored.app_id ?? ''), now());
      const headers = { 'content-type': `application/x-www-form-urlencoded; charset=${stored.charset ?? 'utf-8'}` };
      return { url: row.url, body, headers: () => headers };
    },
    ack: (status, text) => (text.trim() === 'success' ? undefined : `HTTP ${status}, body ${JSON.stringify(text.slice(0, 100))} (expected "success")`),
  };
}

export class Notifier {
  constructor(private readonly outbox: Outbox<NotificationRow>, private readonly now: () => number) {}

  /**
   * Records a notification for the trade (no-op without notify_url). Call inside the same
   * transaction as the state change so the two are never out of step.
   */
  enqueue(trade: TradeRow, fields: Record<string, string>): void {
    if (!trade.notify_url) return;
    const notifyId = newNotifyId();
    const withId: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields)) {
      withId[k] = v;
      if (k === 'notify_type') withId.notify_id = notifyId;
    }
    this.outbox.add({
      notify_id: notifyId, trade_id: trade.id, url: trade.notify_url, fields: JSON.stringify(withId), created_at: this.now(), delivered_at: null,
    });
  }
}
