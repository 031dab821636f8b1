/**
 * Idempotency-Key for merchant POSTs: the first request with a key stores its response;
 * the same key with the same body replays it byte for byte; with another body → 422;
 * while the first is still running → 409. Keys live 24 h. Server errors (5xx) are not
 * stored, so the merchant's retry runs again — every provider call underneath is itself
 * idempotent, so that is safe.
 */
import crypto from 'node:crypto';
import { PaygateError } from '../domain/errors.js';
import { isUniqueViolation } from '../infra/db/index.js';
import type { AppContext } from './context.js';

const TTL_MS = 24 * 3600_000;
/** An in-progress key older than this belonged to a process that died; let a retry take it over. */
const STALE_IN_PROGRESS_MS = 5 * 60_000;

export function requestHash(method: string, path: string, body: string): string {
  return crypto.createHash('sha256').update(`${method} ${path}\n${body}`).digest('hex');
}

export type IdemBegin = { kind: 'new' } | { kind: 'replay'; status: number; body: string };

export async function beginIdempotent(ctx: AppContext, merchantId: string, key: string, hash: string): Promise<IdemBegin> {
  const now = ctx.now();
  try {
    await ctx.db.insertInto('idempotency_keys').values({ merchant_id: merchantId, idem_key: key, request_hash: hash, status: 'in_progress', response_status: null, response_body: null, created_at: now, expires_at: now + TTL_MS }).execute();
    return { kind: 'new' };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  const row = await ctx.db.selectFrom('idempotency_keys').selectAll().where('merchant_id', '=', merchantId).where('idem_key', '=', key).executeTakeFirst();
  if (!row) return beginIdempotent(ctx, merchantId, key, hash);
  if (row.expires_at < now) {
    await ctx.db.deleteFrom('idempotency_keys').where('merchant_id', '=', merchantId).where('idem_key', '=', key).where('expires_at', '<', now).execute();
    return beginIdempotent(ctx, merchantId, key, hash);
  }
  if (row.request_hash !== hash) throw new PaygateError('IDEMPOTENCY.KEY_REUSED', `Idempotency-Key ${key} was used with a different request; use a new key for a new request`);
  if (row.status === 'done' && row.response_status !== null && row.response_body !== null) return { kind: 'replay', status: row.response_status, body: row.response_body };
  if (row.created_at < now - STALE_IN_PROGRESS_MS) {
    const res = await ctx.db.updateTable('idempotency_keys').set({ created_at: now }).where('merchant_id', '=', merchantId).where('idem_key', '=', key).where('created_at', '=', row.created_at).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) return { kind: 'new' };
  }
  throw new PaygateError('IDEMPOTENCY.IN_PROGRESS', `a request with Idempotency-Key ${key} is still in progress; retry when it has finished`);
}

export async function finishIdempotent(ctx: AppContext, merchantId: string, key: string, status: number, body: string): Promise<void> {
  if (status >= 500) {
    await ctx.db.deleteFrom('idempotency_keys').where('merchant_id', '=', merchantId).where('idem_key', '=', key).execute();
    return;
  }
  await ctx.db.updateTable('idempotency_keys').set({ status: 'done', response_status: status, response_body: body }).where('merchant_id', '=', merchantId).where('idem_key', '=', key).execute();
}
