// Events and webhook delivery. Every state change records an `event` object; each enabled
// endpoint subscribed to its type gets a delivery row in the same transaction, sent signed
// with that endpoint's secret and retried on Stripe's schedule (up to 3 days, time-scaled).
// Delivery rows live in the state DB so retries survive a restart.
import { newId, stripeSignatureHeader } from './crypto.js';
import type { Faults } from '../common/faults.js';
import type { DeliveryRow, Store, StripeObject } from './store.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Gaps after attempt 1..n: exponential-ish backoff that ends about 3 days after the event. */
export const RETRY_DELAYS_MS: readonly number[] = [MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 12 * HOUR, 16 * HOUR, 24 * HOUR];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
export const API_VERSION = '2024-06-20';

const SEND_TIMEOUT_MS = 10_000;
const BATCH = 50;

export interface NotifierOptions {
  store: Store;
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

  /** Records the event and its deliveries; call inside the transaction of the state change. */
  emit(accountId: string, type: string, object: StripeObject, request: { idempotencyKey?: string } = {}): StripeObject {
    const { store } = this.o;
    const now = this.o.now();
    const endpoints = store.endpoints(accountId).filter((e) => {
      const events = JSON.parse(e.enabled_events) as string[];
      return events.includes('*') || events.includes(type);
    });
    const event: StripeObject = {
      id: newId('evt'), object: 'event', api_version: API_VERSION, created: Math.floor(now / 1000), type, livemode: false,
      data: { object }, pending_webhooks: endpoints.length, request: { id: null, idempotency_key: request.idempotencyKey ?? null },
    };
    store.put(accountId, event);
    for (const e of endpoints) store.insertDelivery(event.id, e.id, now);
    if (endpoints.length > 0) setImmediate(() => this.runDue());
    return event;
  }

  runDue(): void {
    if (this.closed) return;
    for (const row of this.o.store.dueDeliveries(this.o.now(), BATCH)) {
      if (this.inFlight.has(row.id)) continue;
      const p = this.deliver(row)
        .catch((err: unknown) => this.o.log(`stripe-sim: delivery ${row.id} failed: ${String(err)}`))
        .finally(() => this.inFlight.delete(row.id));
      this.inFlight.set(row.id, p);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async deliver(row: DeliveryRow): Promise<void> {
    const { store } = this.o;
    const faults = this.o.faults();
    const endpoint = store.endpoint(row.endpoint_id);
    const event = store.get(row.event_id)?.object;
    if (!endpoint || !event) {
      store.updateDelivery(row.id, { status: 'failed', last_error: 'endpoint deleted' });
      return;
    }
    if (faults.drop_notifications) {
      store.updateDelivery(row.id, { status: 'dropped', last_error: 'dropped by fault injection' });
      return;
    }
    const attempt = row.attempts + 1;
    const gap = RETRY_DELAYS_MS[attempt - 1];
    const now = this.o.now();
    // Claim before sending: a crash mid-send means a retry, never a silently lost event.
    store.updateDelivery(row.id, { attempts: attempt, next_attempt_at: gap === undefined ? now : now + Math.round(gap * this.o.timeScale) });
    // Stripe pretty-prints event bodies; the signature covers exactly these bytes.
    const payload = JSON.stringify(event, null, 2);
    const signature = stripeSignatureHeader(payload, endpoint.secret, Math.floor(this.o.now() / 1000));
    const copies = faults.duplicate_notifications ? faults.duplicate_count : 1;
    const results = await Promise.all(Array.from({ length: copies }, () => this.post(endpoint.url, payload, signature)));
    if (this.closed) return;
    if (results.some((r) => r.ok)) {
      store.updateDelivery(row.id, { status: 'delivered', last_error: null });
      return;
    }
    store.updateDelivery(row.id, { status: attempt >= MAX_ATTEMPTS ? 'failed' : 'pending', last_error: (results[0]?.error ?? 'unknown').slice(0, 500) });
  }

  private async post(url: string, payload: string, signature: string): Promise<{ ok: boolean; error?: string }> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature, 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
        body: payload,
        redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(SEND_TIMEOUT_MS)]),
      });
      const text = await res.text();
      return res.status >= 200 && res.status < 300 ? { ok: true } : { ok: false, error: `HTTP ${res.status}: ${text.slice(0, 100)}` };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }
}
