// Webhooks on the shared outbox. Each event is serialised once (the signature covers the exact
// bytes); each delivery attempt — each duplicate copy too — gets a fresh transmission id and
// time and is signed again, as PayPal does. Non-2xx is retried on PayPal's schedule (25
// attempts over ~3 days) × timeScale.
import { randomUUID } from 'node:crypto';
import type { Outbox, OutboxProtocol } from '../common/outbox.js';
import { newEventId } from './format.js';
import { transmissionSig, type SigningKeys } from './keys.js';
import type { DeliveryRow, Store } from './store.js';

const M = 60_000;
const H = 60 * M;
/** Gaps after attempts 1..24: 25 attempts in about three days. */
export const RETRY_DELAYS_MS: readonly number[] = [
  M, 2 * M, 5 * M, 10 * M, 15 * M, 30 * M, H, H, 2 * H, 2 * H, 3 * H, 3 * H, 3 * H, 3 * H, 4 * H, 4 * H, 4 * H, 4 * H, 4 * H, 4 * H, 4 * H, 4 * H, 4 * H, 4 * H,
];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

export interface WebhookEvent { event_type: string; resource_type: string; summary: string; resource: unknown }

/** The headers PayPal sends with one delivery; `certUrl` is where the certificate is served (…/certs/CERT-….pem). */
function signedHeaders(keys: SigningKeys, certUrl: string, webhookId: string, body: string, now: number): Record<string, string> {
  const id = randomUUID();
  const time = new Date(now).toISOString();
  return {
    'content-type': 'application/json',
    'paypal-transmission-id': id,
    'paypal-transmission-time': time,
    'paypal-transmission-sig': transmissionSig(keys, id, time, webhookId, body),
    'paypal-cert-url': certUrl,
    'paypal-auth-algo': 'SHA256withRSA',
  };
}

export function deliveryProtocol(keys: SigningKeys, certUrl: () => string, now: () => number): OutboxProtocol<DeliveryRow> {
  return {
    retryDelaysMs: RETRY_DELAYS_MS,
    request: (row) => ({ url: row.url, body: row.body, headers: () => signedHeaders(keys, certUrl(), row.webhook_id, row.body, now()) }),
    ack: (status) => (status >= 200 && status < 300 ? undefined : `HTTP ${status}`),
  };
}

export class Notifier {
  constructor(private readonly store: Store, private readonly outbox: Outbox<DeliveryRow>, private readonly now: () => number) {}

  /** Call inside the transaction of the state change: one delivery row per subscribed webhook. */
  emit(clientId: string, e: WebhookEvent): void {
    const now = this.now();
    const eventId = newEventId();
    const body = JSON.stringify({
      id: eventId, event_version: '1.0', create_time: new Date(now).toISOString(), resource_type: e.resource_type,
      resource_version: '2.0', event_type: e.event_type, summary: e.summary, resource: e.resource,
    });
    for (const w of this.store.webhooksOf(clientId)) {
      const types = JSON.parse(w.event_types) as string[];
      if (!w.url || !(types.includes('*') || types.includes(e.event_type))) continue;
      this.outbox.add({ event_id: eventId, webhook_id: w.id, url: w.url, body, created_at: now });
    }
  }
}
