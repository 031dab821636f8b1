/**
 * Merchant webhooks: endpoints, the event log, and delivery. A delivery POSTs the stored
 * event body (same id on every retry) signed as Paygate-Signature: t=<unix>,v1=<hex
 * HMAC-SHA256(secret, "<t>.<body>")>, and is retried on the API.md schedule until a 2xx.
 * The URL is the merchant's choice, so it is checked twice: a literal address or localhost
 * at registration, and every resolved address when the delivery connects (infra/http/egress.ts).
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { PaygateError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import * as repo from '../infra/db/repos/webhooks.js';
import type { JobRow } from '../infra/db/schema.js';
import { literalHostProblem } from '../infra/http/address-policy.js';
import { EgressRefusedError } from '../infra/http/egress.js';
import { TransportError } from '../infra/http/transport.js';
import type { JobOutcome } from '../infra/jobs/worker.js';
import type { AppContext } from './context.js';
import { enqueue, jobPayload } from '../infra/jobs/queue.js';
import { createDelivery } from './outbox.js';
import { endpointToApi, eventToApi } from './representations.js';
import { WEBHOOK_RETRY_DELAYS_S } from './schedule.js';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  const mac = crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

const aad = (id: string) => `webhook_endpoint:${id}`;

export async function createEndpoint(ctx: AppContext, merchantId: string, input: { url: string; events: string[] }) {
  // The WHATWG parser has already turned 2130706433, 0x7f.1, 0177.0.0.1 … into dotted form.
  const problem = literalHostProblem(new URL(input.url).hostname, ctx.config.webhookAllowList);
  if (problem) throw new PaygateError('WEBHOOK_ENDPOINT.URL_FORBIDDEN', `url: ${problem}`, { field: 'url' });
  const now = ctx.now();
  const id = newId('we', now);
  const secret = `whsec_${crypto.randomBytes(24).toString('base64url')}`;
  const row = { id, merchant_id: merchantId, url: input.url, secret_enc: ctx.vault.seal(secret, aad(id)), events: JSON.stringify(input.events), created_at: now, deleted_at: null };
  await repo.insertEndpoint(ctx.db, row);
  return endpointToApi(row, secret);
}

export async function getEndpoint(ctx: AppContext, merchantId: string, id: string) {
  const row = await repo.liveEndpoint(ctx.db, merchantId, id);
  if (!row) throw new PaygateError('WEBHOOK_ENDPOINT.NOT_FOUND', `no webhook endpoint ${id}`);
  return endpointToApi(row);
}

export async function listEndpoints(ctx: AppContext, merchantId: string, q: { limit: number; starting_after?: string | undefined }) {
  const rows = await repo.listEndpoints(ctx.db, merchantId, { startingAfter: q.starting_after, limit: q.limit });
  return { object: 'list' as const, data: rows.slice(0, q.limit).map((r) => endpointToApi(r)), has_more: rows.length > q.limit };
}

export async function deleteEndpoint(ctx: AppContext, merchantId: string, id: string) {
  if (!(await repo.deleteEndpoint(ctx.db, merchantId, id, ctx.now()))) throw new PaygateError('WEBHOOK_ENDPOINT.NOT_FOUND', `no webhook endpoint ${id}`);
  return { id, object: 'webhook_endpoint' as const, deleted: true };
}

export async function listEvents(ctx: AppContext, merchantId: string, q: { type?: string | undefined; limit: number; starting_after?: string | undefined }) {
  const rows = await repo.listEvents(ctx.db, merchantId, { type: q.type, startingAfter: q.starting_after, limit: q.limit });
  return { object: 'list' as const, data: rows.slice(0, q.limit).map(eventToApi), has_more: rows.length > q.limit };
}

export async function getEvent(ctx: AppContext, merchantId: string, id: string) {
  const row = await repo.eventOfMerchant(ctx.db, merchantId, id);
  if (!row) throw new PaygateError('EVENT.NOT_FOUND', `no event ${id}`);
  return eventToApi(row);
}

/** Resend: every current endpoint that wants the event gets it again, same event id. */
export async function resendEvent(ctx: AppContext, merchantId: string, id: string) {
  const event = await getEvent(ctx, merchantId, id);
  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    for (const ep of await repo.subscribedEndpoints(trx, merchantId)) {
      if (!repo.endpointWants(ep, event.type)) continue;
      const existing = await repo.deliveryIdFor(trx, id, ep.id);
      if (existing) {
        await repo.updateDelivery(trx, existing, { status: 'pending', updated_at: now });
        // A fresh job: due now, schedule from its first step (payload {}), run count zero, out
        // of the dead letters if its runs threw (app/jobs.ts). The delivery's attempts keep counting.
        await enqueue(trx, { kind: 'deliver_webhook', refId: existing, runAt: now, onExisting: 'replace' }, now);
      } else {
        await createDelivery(trx, { eventId: id, endpointId: ep.id, merchantId }, now);
      }
    }
  });
  ctx.kickJobs();
  return event;
}

/** Job handler: one delivery attempt. */
export async function deliverWebhook(ctx: AppContext, job: JobRow): Promise<JobOutcome> {
  const d = await repo.deliveryById(ctx.db, job.ref_id);
  if (!d || d.status === 'succeeded') return { done: true };
  const ep = await repo.endpointById(ctx.db, d.endpoint_id);
  const ev = await repo.eventById(ctx.db, d.event_id);
  if (!ep || ep.deleted_at !== null || !ev) {
    await repo.updateDelivery(ctx.db, d.id, { status: 'canceled', updated_at: ctx.now() });
    return { done: true };
  }
  const body = JSON.stringify(eventToApi(ev));
  const t = Math.floor(ctx.now() / 1000);
  let status: number | null = null;
  let error: string | null = null;
  let refused = false;
  try {
    const res = await ctx.transport.send({
      method: 'POST', url: ep.url, body,
      headers: { 'content-type': 'application/json', 'user-agent': 'Paygate-Webhooks/1', 'paygate-signature': signWebhook(ctx.vault.open(ep.secret_enc, aad(ep.id)), t, body), 'paygate-event-id': ev.id },
    }, ctx.config.PAYGATE_WEBHOOK_TIMEOUT_MS, undefined, { egress: ctx.config.webhookAllowList });
    status = res.status;
    if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
  } catch (err) {
    refused = err instanceof EgressRefusedError;
    error = err instanceof TransportError || refused ? (err as Error).message : String(err);
  }
  const now = ctx.now();
  const attempts = d.attempts + 1;
  const ok = error === null;
  // A refused address fails at once: nothing was sent, and retries would only repeat the
  // refusal until the merchant fixes DNS or the URL (then resend) or the operator allows it.
  // The step in the schedule is the job's, not the delivery's attempt count: a resend or an
  // operator's revive gives the job a fresh payload, so the next try is 1 min away again.
  const step = scheduleStep(job);
  const delay = refused ? undefined : WEBHOOK_RETRY_DELAYS_S[step];
  const finalStatus = ok ? 'succeeded' : delay === undefined ? 'failed' : 'pending';
  await repo.updateDelivery(ctx.db, d.id, { status: finalStatus, attempts, last_status_code: status, last_error: error, delivered_at: ok ? now : null, updated_at: now });
  ctx.metrics.webhookAttempts.inc({ outcome: ok ? 'success' : refused ? 'refused' : 'failure' });
  if (refused) ctx.log.warn({ endpoint_id: ep.id, delivery_id: d.id, reason: error }, 'webhook delivery refused by the egress policy');
  // Lag is what the merchant feels: event written → endpoint answered 2xx, retries included.
  if (ok) ctx.metrics.webhookLag.observe(Math.max(0, now - ev.created_at) / 1000);
  if (ok || delay === undefined) return { done: true };
  return { done: false, runAt: now + delay * 1000 * ctx.timeScale, payload: { step: step + 1 } };
}

// The step of the retry schedule this run is at; anything else (a resend's {}) starts over.
const stepPayload = z.object({ step: z.number().int().min(0) });

function scheduleStep(job: JobRow): number {
  return jobPayload(job, stepPayload)?.step ?? 0;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * GET /v1/events/{id}/deliveries: one entry per endpoint the event went to, with the
 * delivery's summary (the schema keeps the last attempt's outcome, not each attempt's) and
 * when the next try is due — null once it succeeded or gave up, or while its job is a dead
 * letter waiting for an operator.
 */
export async function listDeliveries(ctx: AppContext, merchantId: string, eventId: string, q: { limit: number; starting_after?: string | undefined }) {
  await getEvent(ctx, merchantId, eventId);
  const rows = await repo.deliveriesOfEvent(ctx.db, merchantId, eventId, { startingAfter: q.starting_after, limit: q.limit });
  const data = rows.slice(0, q.limit).map((r) => ({
    id: r.id, object: 'webhook_delivery' as const, event_id: r.event_id, endpoint_id: r.endpoint_id, url: r.url ?? null,
    status: r.status, attempts: r.attempts, last_status_code: r.last_status_code, last_error: r.last_error,
    next_attempt_at: r.status !== 'succeeded' && r.status !== 'canceled' && r.run_at !== null && r.run_at !== undefined && (r.dead_at ?? null) === null ? iso(r.run_at) : null,
    delivered_at: iso(r.delivered_at), created_at: iso(r.created_at), updated_at: iso(r.updated_at),
  }));
  return { object: 'list' as const, data, has_more: rows.length > q.limit };
}
