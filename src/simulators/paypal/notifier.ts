// Webhook outbox. Each event is serialised once (the signature covers the exact bytes);
// each delivery attempt gets a fresh transmission id and time and is signed again, as
// PayPal does. Non-2xx is retried on PayPal's schedule (25 attempts over ~3 days) × timeScale.
import { randomUUID } from 'node:crypto';
import type { Faults } from '../common/faults.js';
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
const SEND_TIMEOUT_MS = 10_000;

export interface NotifierOptions {
  store: Store;
  keys: SigningKeys;
  faults: () => Faults;
  timeScale: number;
  now: () => number;
  /** Where the certificate is served, e.g. http://host/sandbox/paypal/certs/CERT-….pem */
  certUrl: () => string;
  log: (message: string) => void;
}

export interface WebhookEvent { event_type: string; resource_type: string; summary: string; resource: unknown }

export class Notifier {
  private readonly inFlight = new Set<number>();
  private readonly abort = new AbortController();
  private closed = false;

  constructor(private readonly o: NotifierOptions) {}

  /** Call inside the transaction of the state change: one delivery row per subscribed webhook. */
  emit(clientId: string, e: WebhookEvent): void {
    const now = this.o.now();
    const body = JSON.stringify({
      id: newEventId(), event_version: '1.0', create_time: new Date(now).toISOString(), resource_type: e.resource_type,
      resource_version: '2.0', event_type: e.event_type, summary: e.summary, resource: e.resource,
    });
    const eventId = (JSON.parse(body) as { id: string }).id;
    for (const w of this.o.store.webhooksOf(clientId)) {
      const types = JSON.parse(w.event_types) as string[];
      if (!w.url || !(types.includes('*') || types.includes(e.event_type))) continue;
      this.o.store.insertDelivery({ event_id: eventId, webhook_id: w.id, url: w.url, body, attempts: 0, next_attempt_at: now, status: 'pending', last_error: null, created_at: now });
    }
    setImmediate(() => this.runDue());
  }

  runDue(): void {
    if (this.closed) return;
    for (const row of this.o.store.dueDeliveries(this.o.now(), 50)) {
      if (this.inFlight.has(row.id)) continue;
      this.inFlight.add(row.id);
      this.deliver(row)
        .catch((err: unknown) => this.o.log(`paypal-sim: delivery ${row.id} failed: ${String(err)}`))
        .finally(() => this.inFlight.delete(row.id));
    }
  }

  /** The headers PayPal sends with one delivery attempt. */
  signedHeaders(webhookId: string, body: string): Record<string, string> {
    const id = randomUUID();
    const time = new Date(this.o.now()).toISOString();
    return {
      'content-type': 'application/json',
      'paypal-transmission-id': id,
      'paypal-transmission-time': time,
      'paypal-transmission-sig': transmissionSig(this.o.keys, id, time, webhookId, body),
      'paypal-cert-url': this.o.certUrl(),
      'paypal-auth-algo': 'SHA256withRSA',
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
  }

  private async deliver(row: DeliveryRow): Promise<void> {
    const { store } = this.o;
    const faults = this.o.faults();
    if (faults.drop_notifications) {
      store.updateDelivery(row.id, { status: 'dropped', last_error: 'dropped by fault injection' });
      return;
    }
    const attempt = row.attempts + 1;
    const gap = RETRY_DELAYS_MS[attempt - 1];
    const now = this.o.now();
    // Claim the attempt before sending: a crash mid-send means a retry, never a lost webhook.
    store.updateDelivery(row.id, { attempts: attempt, next_attempt_at: gap === undefined ? now : now + Math.round(gap * this.o.timeScale) });
    const copies = faults.duplicate_notifications ? faults.duplicate_count : 1;
    const results = await Promise.all(Array.from({ length: copies }, () => this.post(row.url, row.body, this.signedHeaders(row.webhook_id, row.body))));
    if (this.closed) return;
    if (results.some((r) => r === undefined)) {
      store.updateDelivery(row.id, { status: 'delivered', last_error: null });
      return;
    }
    store.updateDelivery(row.id, { status: attempt >= MAX_ATTEMPTS ? 'failed' : 'pending', last_error: (results[0] ?? 'unknown').slice(0, 500) });
  }

  /** undefined on a 2xx, else the error. */
  private async post(url: string, body: string, headers: Record<string, string>): Promise<string | undefined> {
    try {
      const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(SEND_TIMEOUT_MS)]) });
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 300 ? undefined : `HTTP ${res.status}`;
    } catch (err) {
      return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  }
}
