// Events and webhook delivery. Every state change records an `event` object; each enabled
// endpoint subscribed to its type gets a delivery row (on the shared outbox) in the same
// transaction, sent signed with that endpoint's secret and retried on Stripe's schedule.
import type { Outbox, OutboxProtocol } from '../common/outbox.js';
import { newId, stripeSignatureHeader } from './crypto.js';
import type { DeliveryRow, Store, StripeObject } from './store.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Gaps after attempt 1..n: exponential-ish backoff that ends about 3 days after the event. */
export const RETRY_DELAYS_MS: readonly number[] = [MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 12 * HOUR, 16 * HOUR, 24 * HOUR];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
export const API_VERSION = '2024-06-20';

/** How the outbox sends one delivery: the event as it is now, signed with the endpoint's secret. */
export function deliveryProtocol(store: Store, now: () => number): OutboxProtocol<DeliveryRow> {
  return {
    retryDelaysMs: RETRY_DELAYS_MS,
    request: (row) => {
      const endpoint = store.endpoint(row.endpoint_id);
      const event = store.get(row.event_id)?.object;
      if (!endpoint || !event) return 'endpoint deleted';
      // Stripe pretty-prints event bodies; the signature covers exactly these bytes.
      const payload = JSON.stringify(event, null, 2);
      const headers = {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': stripeSignatureHeader(payload, endpoint.secret, Math.floor(now() / 1000)),
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      };
      return { url: endpoint.url, body: payload, headers: () => headers };
    },
    ack: (status, text) => (status >= 200 && status < 300 ? undefined : `HTTP ${status}: ${text.slice(0, 100)}`),
  };
}

export class Notifier {
  constructor(private readonly store: Store, private readonly outbox: Outbox<DeliveryRow>, private readonly now: () => number) {}

  /** Records the event and its deliveries; call inside the transaction of the state change. */
  emit(accountId: string, type: string, object: StripeObject, request: { idempotencyKey?: string } = {}): StripeObject {
    const { store } = this;
    const now = this.now();
    const endpoints = store.endpoints(accountId).filter((e) => {
      const events = JSON.parse(e.enabled_events) as string[];
      return events.includes('*') || events.includes(type);
    });
    const event: StripeObject = {
      id: newId('evt'), object: 'event', api_version: API_VERSION, created: Math.floor(now / 1000), type, livemode: false,
      data: { object }, pending_webhooks: endpoints.length, request: { id: null, idempotency_key: request.idempotencyKey ?? null },
    };
    store.put(accountId, event);
    for (const e of endpoints) this.outbox.add({ event_id: event.id, endpoint_id: e.id });
    return event;
  }
}
