/**
 * Idempotency-Key for merchant POSTs: the first request with a key stores its response;
 * the same key with the same body replays it byte for byte; with another body → 422;
 * while the first is still running → 409. Keys live 24 h. Server errors (5xx) are not
 * stored, so the merchant's retry runs again — every provider call underneath is itself
 * idempotent, so that is safe.
 *
 * The store never holds a secret: a route names the fields of its answer that carry one
 * (a webhook endpoint's `secret`), and anything shaped like a Paygate secret (whsec_,
 * sk_test_, sk_live_) or a Stripe client secret is caught as well. Such a value is stored,
 * and so replayed, as null beside `<field>_shown_once: true`: it is in the first answer only.
 */
import crypto from 'node:crypto';
import { PaygateError } from '../domain/errors.js';
import { isUniqueViolation } from '../infra/db/index.js';
import * as repo from '../infra/db/repos/idempotency.js';
import type { AppContext } from './context.js';

const TTL_MS = 24 * 3600_000;
/** An in-progress key older than this belonged to a process that died; let a retry take it over. */
const STALE_IN_PROGRESS_MS = 5 * 60_000;

export function requestHash(method: string, path: string, body: string): string {
  return crypto.createHash('sha256').update(`${method} ${path}\n${body}`).digest('hex');
}

export type IdemBegin = { kind: 'new' } | { kind: 'replay'; status: number; body: string };

export interface IdemOptions {
  /** Top-level fields of the route's answer that hold a secret shown once. */
  secretFields?: readonly string[];
}

/**
 * Paygate's own secret formats (webhook signing secrets, API keys) and Stripe's client
 * secrets (pi_…_secret_…), should an answer ever carry one, wherever they appear.
 */
const SECRET_VALUE = /^(?:(?:whsec|sk_test|sk_live)_[A-Za-z0-9_-]{16,}|(?:pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+)$/;
const SECRET_INSIDE = /(?:whsec|sk_test|sk_live)_[A-Za-z0-9_-]{16,}|(?:pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+/;

function redactValue(value: unknown): { value: unknown; changed: boolean } {
  if (typeof value === 'string') return SECRET_VALUE.test(value) ? { value: null, changed: true } : { value, changed: false };
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => { const r = redactValue(v); changed ||= r.changed; return r.value; });
    return { value: out, changed };
  }
  if (value !== null && typeof value === 'object') return redactObject(value as Record<string, unknown>, []);
  return { value, changed: false };
}

function redactObject(obj: Record<string, unknown>, secretFields: readonly string[]): { value: unknown; changed: boolean } {
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const declared = secretFields.includes(k) && v !== null && v !== undefined;
    const r = declared ? { value: null, changed: true } : redactValue(v);
    out[k] = r.value;
    // A secret string became null: say why, right beside it, so a client does not read it as "no secret".
    if (r.changed && (declared || typeof v === 'string')) out[`${k}_shown_once`] = true;
    changed ||= r.changed;
  }
  return { value: out, changed };
}

/** The answer as the store may keep it: unchanged text unless a secret had to go. */
export function redactForStore(body: string, opts: IdemOptions = {}): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Answers are JSON (define.ts); anything else is kept only if it carries no secret.
    return SECRET_INSIDE.test(body) ? 'null' : body;
  }
  const r = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? redactObject(parsed as Record<string, unknown>, opts.secretFields ?? [])
    : redactValue(parsed);
  return r.changed ? JSON.stringify(r.value) : body;
}

export async function beginIdempotent(ctx: AppContext, merchantId: string, key: string, hash: string, opts: IdemOptions = {}): Promise<IdemBegin> {
  const now = ctx.now();
  try {
    await repo.insertKey(ctx.db, { merchant_id: merchantId, idem_key: key, request_hash: hash, status: 'in_progress', response_status: null, response_body: null, created_at: now, expires_at: now + TTL_MS });
    return { kind: 'new' };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  const row = await repo.keyRow(ctx.db, merchantId, key);
  if (!row) return beginIdempotent(ctx, merchantId, key, hash, opts);
  if (row.expires_at < now) {
    await repo.deleteKey(ctx.db, merchantId, key, now);
    return beginIdempotent(ctx, merchantId, key, hash, opts);
  }
  if (row.request_hash !== hash) throw new PaygateError('IDEMPOTENCY.KEY_REUSED', `Idempotency-Key ${key} was used with a different request; use a new key for a new request`);
  // Redacted again on the way out: a row written before the store redacted must not replay a secret either.
  if (row.status === 'done' && row.response_status !== null && row.response_body !== null) return { kind: 'replay', status: row.response_status, body: redactForStore(row.response_body, opts) };
  if (row.created_at < now - STALE_IN_PROGRESS_MS) {
    if (await repo.restartKey(ctx.db, merchantId, key, row.created_at, now)) return { kind: 'new' };
  }
  throw new PaygateError('IDEMPOTENCY.IN_PROGRESS', `a request with Idempotency-Key ${key} is still in progress; retry when it has finished`);
}

/** `body` is the answer as sent to the client; what is stored is redactForStore(body). */
export async function finishIdempotent(ctx: AppContext, merchantId: string, key: string, status: number, body: string, opts: IdemOptions = {}): Promise<void> {
  if (status >= 500) {
    await repo.deleteKey(ctx.db, merchantId, key);
    return;
  }
  await repo.storeAnswer(ctx.db, merchantId, key, status, redactForStore(body, opts));
}
