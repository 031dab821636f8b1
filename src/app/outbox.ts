/**
 * Transactional outbox: an event and one delivery (plus its job) per subscribed endpoint
 * are written in the caller's transaction, together with the state change they describe.
 * If the transaction commits, the merchant will hear about it; if it rolls back, nobody does.
 */
import { newId } from '../domain/ids.js';
import type { Tx } from '../infra/db/index.js';
import { endpointWants, insertDelivery, insertEvent, subscribedEndpoints } from '../infra/db/repos/webhooks.js';
import { enqueue } from '../infra/jobs/queue.js';

export interface NewEvent {
  merchantId: string;
  type: string;
  objectId: string;
  data: unknown;
}

export async function recordEvent(trx: Tx, ev: NewEvent, now: number): Promise<string> {
  const id = newId('evt', now);
  const body = { object: ev.data };
  await insertEvent(trx, { id, merchant_id: ev.merchantId, type: ev.type, object_id: ev.objectId, data: JSON.stringify(body), created_at: now });
  for (const ep of await subscribedEndpoints(trx, ev.merchantId)) {
    if (!endpointWants(ep, ev.type)) continue;
    await createDelivery(trx, { eventId: id, endpointId: ep.id, merchantId: ev.merchantId }, now);
  }
  return id;
}

export async function createDelivery(trx: Tx, d: { eventId: string; endpointId: string; merchantId: string }, now: number): Promise<string> {
  const id = newId('whd', now);
  await insertDelivery(trx, { id, event_id: d.eventId, endpoint_id: d.endpointId, merchant_id: d.merchantId, status: 'pending', attempts: 0, last_status_code: null, last_error: null, delivered_at: null, created_at: now, updated_at: now });
  await enqueue(trx, { kind: 'deliver_webhook', refId: id, runAt: now }, now);
  return id;
}
