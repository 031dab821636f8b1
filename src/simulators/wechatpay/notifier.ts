// WeChat Pay's notifications on the shared outbox: the JSON envelope (encrypted resource
// inside) stored once and re-signed on every attempt, WeChat's ~24 h schedule, 2xx as the ack.
import type { Outbox, OutboxProtocol } from '../common/outbox.js';
import { randomNonce, responseSigningString, sha256WithRsaSign, AUTH_SCHEME } from './crypto.js';
import { newNotificationId } from './ids.js';
import type { Signer } from './keys.js';
import type { NotificationRow } from './store.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
/** Gaps after attempt 1..15: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h (wechatpay.md, ~24 h). */
export const RETRY_DELAYS_MS: readonly number[] = [15 * S, 15 * S, 30 * S, 3 * M, 10 * M, 20 * M, 30 * M, 30 * M, 30 * M, 60 * M, 3 * H, 3 * H, 3 * H, 6 * H, 6 * H];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

export interface Envelope {
  id: string;
  create_time: string;
  resource_type: 'encrypt-resource';
  event_type: string;
  summary: string;
  resource: object;
}

/** Headers for one attempt: every retry is signed afresh (new timestamp and nonce), over the same body. */
function signedHeaders(row: NotificationRow, signer: Signer, now: number): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
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

/** How the outbox sends a WeChat Pay notification; `signerFor` is undefined for a merchant no longer registered. */
export function notificationProtocol(signerFor: (mchid: string) => Signer | undefined, now: () => number): OutboxProtocol<NotificationRow> {
  return {
    retryDelaysMs: RETRY_DELAYS_MS,
    sendTimeoutMs: 5_000,
    request: (row) => {
      const signer = signerFor(row.mchid);
      if (!signer) return 'merchant no longer registered';
      const headers = signedHeaders(row, signer, now());
      return { url: row.url, body: row.body, headers: () => headers };
    },
    // WeChat Pay: 200 or 204 means received; any other answer means "send again".
    ack: (status, text) => (status >= 200 && status < 300 ? undefined : `HTTP ${status}, body ${JSON.stringify(text.slice(0, 100))}`),
  };
}

export class Notifier {
  constructor(private readonly outbox: Outbox<NotificationRow>, private readonly now: () => number) {}

  /** Records a notification; call inside the state change's transaction. */
  enqueue(mchid: string, url: string, make: (id: string) => Envelope): void {
    const notifyId = newNotificationId();
    this.outbox.add({ notify_id: notifyId, mchid, url, body: JSON.stringify(make(notifyId)), created_at: this.now(), delivered_at: null });
  }
}
