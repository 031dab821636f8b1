// UnionPay's back-end notifications (backUrl) on the shared outbox: the signed form, the
// assumed schedule, and HTTP 200 as the acknowledgement.
import type { OutboxProtocol } from '../common/outbox.js';
import type { Ca } from './ca.js';
import { acpSign } from './crypto.js';
import type { NotificationRow } from './store.js';

const MINUTE = 60_000;
/**
 * Gaps after attempt 1..5. UnionPay's exact schedule is unconfirmed (unionpay.md); this
 * assumes the commonly reported growing gaps of 1, 2, 4, 8 and 16 minutes (6 sends).
 */
export const RETRY_DELAYS_MS: readonly number[] = [MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE, 16 * MINUTE];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

/** The signed, URL-encoded form one attempt sends. */
function signedBody(row: NotificationRow, ca: Ca): string {
  const fields = { ...(JSON.parse(row.fields) as Record<string, string>), signPubKeyCert: ca.signCertPem };
  return new URLSearchParams({ ...fields, signature: acpSign(fields, ca.signKey) }).toString();
}

export function notificationProtocol(ca: Ca): OutboxProtocol<NotificationRow> {
  return {
    retryDelaysMs: RETRY_DELAYS_MS,
    request: (row) => ({ url: row.url, body: signedBody(row, ca), headers: () => FORM_HEADERS }),
    // UnionPay reads only the status: 200 means received.
    ack: (status) => (status === 200 ? undefined : `HTTP ${status}`),
  };
}
