/**
 * The merchant-webhook tables: endpoints (soft-deleted, their event filter a JSON array),
 * the immutable event log, and one delivery row per event and endpoint.
 */
import { z } from 'zod';
import type { DbOrTx } from '../index.js';
import type { EventRow, WebhookDeliveryRow, WebhookEndpointRow } from '../schema.js';
import { jsonColumn, statusColumn } from './columns.js';

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'canceled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export type Delivery = Omit<WebhookDeliveryRow, 'status'> & { status: DeliveryStatus };

const deliveryStatus = statusColumn('webhook_deliveries', DELIVERY_STATUSES);
const toDelivery = (row: WebhookDeliveryRow): Delivery => ({ ...row, status: deliveryStatus(row.status) });

const eventTypes = jsonColumn('webhook_endpoints.events', z.array(z.string()));
/** The event types an endpoint subscribed to ('*' for all). */
export const endpointEventsOf = (ep: Pick<WebhookEndpointRow, 'events'>): string[] => eventTypes(ep.events);
/** Whether the endpoint wants events of this type. */
export const endpointWants = (ep: Pick<WebhookEndpointRow, 'events'>, type: string): boolean => {
  const wanted = endpointEventsOf(ep);
  return wanted.includes('*') || wanted.includes(type);
};
/** An event's stored body: `{ object: … }` as written by the outbox. */
export const eventDataOf = jsonColumn('events.data', z.unknown());

// ── endpoints ──

export async function insertEndpoint(db: DbOrTx, row: WebhookEndpointRow): Promise<void> {
  await db.insertInto('webhook_endpoints').values(row).execute();
}

/** Any endpoint by id, deleted ones included (a delivery checks for itself). */
export async function endpointById(db: DbOrTx, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The merchant's endpoint unless deleted. */
export async function liveEndpoint(db: DbOrTx, merchantId: string, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).where('deleted_at', 'is', null).executeTakeFirst();
}

/** The merchant's endpoints that are not deleted, with their event filters: who hears of a new event. */
export async function subscribedEndpoints(db: DbOrTx, merchantId: string): Promise<Array<Pick<WebhookEndpointRow, 'id' | 'events'>>> {
  return db.selectFrom('webhook_endpoints').select(['id', 'events']).where('merchant_id', '=', merchantId).where('deleted_at', 'is', null).execute();
}

/** Newest first, one more than `limit`. */
export async function listEndpoints(db: DbOrTx, merchantId: string, page: { startingAfter?: string | undefined; limit: number }): Promise<WebhookEndpointRow[]> {
  let q = db.selectFrom('webhook_endpoints').selectAll().where('merchant_id', '=', merchantId).where('deleted_at', 'is', null);
  if (page.startingAfter) q = q.where('id', '<', page.startingAfter);
  return q.orderBy('id', 'desc').limit(page.limit + 1).execute();
}

/** Soft-deletes the merchant's endpoint; true when this call deleted it. */
export async function deleteEndpoint(db: DbOrTx, merchantId: string, id: string, now: number): Promise<boolean> {
  const r = await db.updateTable('webhook_endpoints').set({ deleted_at: now }).where('id', '=', id).where('merchant_id', '=', merchantId).where('deleted_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ── events ──

export async function insertEvent(db: DbOrTx, row: EventRow): Promise<void> {
  await db.insertInto('events').values(row).execute();
}

export async function eventById(db: DbOrTx, id: string): Promise<EventRow | undefined> {
  return db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function eventOfMerchant(db: DbOrTx, merchantId: string, id: string): Promise<EventRow | undefined> {
  return db.selectFrom('events').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
}

/** The events about these objects (payments, refunds), with their stored bodies. */
export async function eventsAbout(db: DbOrTx, objectIds: readonly string[]): Promise<Array<Pick<EventRow, 'id' | 'data'>>> {
  return db.selectFrom('events').select(['id', 'data']).where('object_id', 'in', objectIds).execute();
}

/** Rewrites an event's body: only erasure does (events are otherwise immutable). */
export async function setEventData(db: DbOrTx, id: string, data: string): Promise<void> {
  await db.updateTable('events').set({ data }).where('id', '=', id).execute();
}

/** Newest first, one more than `limit`. */
export async function listEvents(db: DbOrTx, merchantId: string, page: { type?: string | undefined; startingAfter?: string | undefined; limit: number }): Promise<EventRow[]> {
  let q = db.selectFrom('events').selectAll().where('merchant_id', '=', merchantId);
  if (page.type) q = q.where('type', '=', page.type);
  if (page.startingAfter) q = q.where('id', '<', page.startingAfter);
  return q.orderBy('id', 'desc').limit(page.limit + 1).execute();
}

// ── deliveries ──

export async function insertDelivery(db: DbOrTx, row: Delivery): Promise<void> {
  await db.insertInto('webhook_deliveries').values(row).execute();
}

export async function deliveryById(db: DbOrTx, id: string): Promise<Delivery | undefined> {
  const row = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toDelivery(row) : undefined;
}

export async function deliveryIdFor(db: DbOrTx, eventId: string, endpointId: string): Promise<string | undefined> {
  return (await db.selectFrom('webhook_deliveries').select('id').where('event_id', '=', eventId).where('endpoint_id', '=', endpointId).executeTakeFirst())?.id;
}

/** Writes `set`; with `fromStatus`, only while the delivery still has it. */
export async function updateDelivery(db: DbOrTx, id: string, set: Partial<Omit<Delivery, 'id' | 'event_id' | 'endpoint_id' | 'merchant_id'>>, fromStatus?: DeliveryStatus): Promise<void> {
  let q = db.updateTable('webhook_deliveries').set(set).where('id', '=', id);
  if (fromStatus) q = q.where('status', '=', fromStatus);
  await q.execute();
}

/** An event's deliveries with their endpoint's URL and their job's next run (absent once the job is done), newest first, one more than `limit`. */
export async function deliveriesOfEvent(db: DbOrTx, merchantId: string, eventId: string, page: { startingAfter?: string | undefined; limit: number }) {
  let q = db.selectFrom('webhook_deliveries as d')
    .leftJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .leftJoin('jobs as j', (join) => join.onRef('j.ref_id', '=', 'd.id').on('j.kind', '=', 'deliver_webhook'))
    .select(['d.id', 'd.event_id', 'd.endpoint_id', 'd.status', 'd.attempts', 'd.last_status_code', 'd.last_error', 'd.delivered_at', 'd.created_at', 'd.updated_at', 'e.url', 'j.run_at', 'j.dead_at'])
    .where('d.event_id', '=', eventId).where('d.merchant_id', '=', merchantId);
  if (page.startingAfter) q = q.where('d.id', '<', page.startingAfter);
  return q.orderBy('d.id', 'desc').limit(page.limit + 1).execute();
}
