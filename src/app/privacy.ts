/**
 * A buyer's personal data: indexed without being stored, and erased on request.
 *
 * Stored notifications are masked, so a buyer cannot be found in them by value. Instead,
 * when a verified notification is recorded, each buyer identifier its connector declares
 * (NotificationPrivacy.identifiers: Alipay buyer_id, WeChat openid, PayPal payer_id and
 * e-mail, Stripe customer and e-mail) is stored as a keyed hash — HMAC-SHA256 under a key
 * derived from the master key, so the table alone (a backup, a replica) reveals nothing and
 * cannot be tested against guessed e-mails. An erase computes the same hashes.
 *
 * Customer ids and e-mails a create carries (`customer`, docs/risk.md) are indexed the same
 * way at create, with the payment as the source; a customer id is also matched against
 * payment metadata, where merchants kept it before payments had a `customer`.
 */
import crypto from 'node:crypto';
import type { BuyerIdentifierKind } from '../connectors/types.js';
import type { DbOrTx } from '../infra/db/index.js';
import { blankNotifications, deleteIdentifiers, identifiersByHash, insertIdentifiers, notificationIdsOfPayments } from '../infra/db/repos/notifications.js';
import { deleteAnswersNaming } from '../infra/db/repos/idempotency.js';
import { buyerFieldsOf, erasePersonalFields, paymentsWithMetadataLike } from '../infra/db/repos/payments.js';
import { forgetBuyerRiskData, type BuyerRiskData } from '../infra/db/repos/risk-erase.js';
import type { RiskEntity } from '../infra/db/repos/risk-graph.js';
import { refundIdsOfPayments } from '../infra/db/repos/refunds.js';
import { eventsAbout, setEventData } from '../infra/db/repos/webhooks.js';
import type { AppContext } from './context.js';
import { connectorFor, PROVIDERS } from './connectors.js';

const CHUNK = 500;

function normalize(kind: BuyerIdentifierKind, value: string): string {
  const v = value.normalize('NFC').trim();
  return kind === 'email' ? v.toLowerCase() : v;
}

export function identifierHash(ctx: Pick<AppContext, 'vault'>, kind: BuyerIdentifierKind, value: string): string {
  return crypto.createHmac('sha256', ctx.vault.deriveKey('buyer-identifier-index/v1')).update(`${kind}\u0000${normalize(kind, value)}`).digest('base64url');
}

/** pino redact paths for every connector's signature headers. */
export function notificationSecretHeaderPaths(): string[] {
  return [...new Set(PROVIDERS.flatMap((p) => connectorFor(p)?.notificationPrivacy.secretHeaders ?? []))].map((h) => `req.headers["${h}"]`);
}

export interface IdentifierSource { sourceId: string; paymentId: string | null; merchantId: string; now: number }

/** Index a row's buyer identifiers (hashed, deduplicated); called in the transaction that writes the row. */
export async function indexIdentifiers(ctx: Pick<AppContext, 'vault'>, trx: DbOrTx, src: IdentifierSource, ids: ReadonlyArray<{ kind: BuyerIdentifierKind; value: string }>): Promise<void> {
  const rows = new Map<string, BuyerIdentifierKind>();
  for (const { kind, value } of ids) if (normalize(kind, value) !== '') rows.set(identifierHash(ctx, kind, value), kind);
  if (rows.size === 0) return;
  await insertIdentifiers(trx, [...rows].map(([hash, kind]) => ({
    hash, kind, source_id: src.sourceId, payment_id: src.paymentId, merchant_id: src.merchantId, created_at: src.now,
  })));
}

export interface EraseInput { provider_buyer_id?: string | undefined; email?: string | undefined; customer_id?: string | undefined; merchant_id?: string | undefined }

export interface EraseResult {
  /** The buyer's payments (ids and amounts stay for the books). */
  payment_ids: string[];
  /** Rows changed: payments whose metadata, payer_country, return_url and risk inputs (customer, client_ip, device_id) were cleared. */
  payments: number;
  /** Events (webhook payloads) of those payments with the same fields cleared. */
  events: number;
  /** Stored notifications whose raw body was removed. */
  notifications: number;
  /** Index entries deleted. */
  identifiers: number;
  /** Stored Idempotency-Key answers that showed one of those payments (deleted: a retry runs again, safely). */
  idempotency_keys: number;
  /** Risk control's link-graph links and behaviour profiles of the buyer (app/risk), deleted. */
  risk_links: number;
  risk_profiles: number;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * Erase one buyer, in one transaction: every index entry of their identifiers, the raw body
 * of every notification that carried them or concerns their payments, and the personal
 * fields of those payments and of the events about them. Amounts, currencies, statuses and
 * ids are kept: the books must still add up.
 */
export async function eraseBuyer(ctx: AppContext, input: EraseInput): Promise<EraseResult> {
  const wanted = (['provider_buyer_id', 'email', 'customer_id'] as const)
    .flatMap((kind) => (input[kind] !== undefined && normalize(kind, input[kind]) !== '' ? [{ kind, value: input[kind] }] : []));
  const hashes = wanted.map((w) => identifierHash(ctx, w.kind, w.value));
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const entries = await identifiersByHash(trx, hashes, input.merchant_id);
    const paymentIds = new Set(entries.flatMap((e) => (e.payment_id ? [e.payment_id] : [])));
    for (const id of await metadataMatches(trx, wanted, input.merchant_id)) paymentIds.add(id);
    const payments = [...paymentIds].sort();

    const notificationIds = new Set(entries.filter((e) => e.source_id.startsWith('ntf_')).map((e) => e.source_id));
    for (const part of chunks(payments)) {
      for (const id of await notificationIdsOfPayments(trx, part)) notificationIds.add(id);
    }
    const result: EraseResult = { payment_ids: payments, payments: 0, events: 0, notifications: 0, identifiers: 0, idempotency_keys: 0, risk_links: 0, risk_profiles: 0 };
    // Before their fields are cleared: the payments name the buyer's customer, e-mail and device.
    for (const d of await buyerRiskData(trx, payments, wanted, input.merchant_id)) {
      const forgotten = await forgetBuyerRiskData(trx, d);
      result.risk_links += forgotten.links;
      result.risk_profiles += forgotten.profiles;
    }
    for (const part of chunks([...notificationIds])) {
      result.notifications += await blankNotifications(trx, part, now, true);
    }
    for (const part of chunks(payments)) {
      result.payments += await erasePersonalFields(trx, part, now);
      const objects = [...part, ...(await refundIdsOfPayments(trx, part))];
      for (const objs of chunks(objects)) {
        for (const e of await eventsAbout(trx, objs)) {
          const data = scrubEvent(e.data);
          if (data === undefined) continue;
          await setEventData(trx, e.id, data);
          result.events++;
        }
      }
      result.identifiers += await deleteIdentifiers(trx, { paymentIds: part });
    }
    // A replayable answer holds the payment as it was (metadata included); keys live a day at most.
    for (const id of payments) {
      result.idempotency_keys += await deleteAnswersNaming(trx, id);
    }
    for (const part of chunks([...notificationIds])) {
      result.identifiers += await deleteIdentifiers(trx, { sourceIds: part });
    }
    if (hashes.length > 0) {
      result.identifiers += await deleteIdentifiers(trx, { hashes, merchantId: input.merchant_id });
    }
    return result;
  });
}

const GRAPH_KIND: Record<BuyerIdentifierKind, RiskEntity['kind']> = { provider_buyer_id: 'buyer', email: 'email', customer_id: 'customer' };

/**
 * Per merchant, the buyer's identities in the link graph: what the erase names (a customer id
 * or e-mail, or the provider's buyer id) and the customer, e-mail and device of their payments.
 * Not their IP: links between it and other buyers are those buyers' (the links to this buyer's
 * identities go with them).
 */
async function buyerRiskData(trx: DbOrTx, paymentIds: readonly string[], wanted: ReadonlyArray<{ kind: BuyerIdentifierKind; value: string }>, merchantId: string | undefined): Promise<BuyerRiskData[]> {
  const byMerchant = new Map<string, BuyerRiskData>();
  const of = (m: string) => byMerchant.get(m) ?? byMerchant.set(m, { merchantId: m, entities: [], customerIds: [] }).get(m)!;
  const rows: Array<{ merchant_id: string; customer_id?: string | null; customer_email?: string | null; device_id?: string | null }> = [];
  for (const part of chunks(paymentIds)) rows.push(...await buyerFieldsOf(trx, part));
  for (const r of rows) {
    const d = of(r.merchant_id);
    if (r.customer_id) { d.entities.push({ kind: 'customer', value: r.customer_id }); d.customerIds.push(r.customer_id); }
    if (r.customer_email) d.entities.push({ kind: 'email', value: r.customer_email });
    if (r.device_id) d.entities.push({ kind: 'device', value: r.device_id });
  }
  // The identifiers the erase names reach the merchant it names, or every merchant the payments are of.
  const merchants = merchantId ? [merchantId] : [...byMerchant.keys()];
  for (const m of merchants) {
    const d = of(m);
    for (const w of wanted) {
      d.entities.push({ kind: GRAPH_KIND[w.kind], value: w.kind === 'email' ? w.value.toLowerCase() : w.value });
      if (w.kind === 'customer_id') d.customerIds.push(w.value);
    }
  }
  return [...byMerchant.values()];
}

/** The payment fields that can hold a buyer's data (set by the merchant); the rest is ids, amounts and state. */
function scrubObject(o: Record<string, unknown>): Record<string, unknown> {
  const next = { ...o };
  if ('metadata' in o) next.metadata = {};
  if ('payer_country' in o) next.payer_country = null;
  if ('return_url' in o) next.return_url = null;
  for (const key of ['customer', 'client_ip', 'device_id']) if (key in o) next[key] = null;
  return next;
}

/** An event's data is `{ object: <payment or refund as the API shows it> }` (outbox.ts). */
function scrubEvent(text: string): string | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(data) || !isObj(data.object)) return undefined;
  const out = JSON.stringify({ ...data, object: scrubObject(data.object) });
  return out === JSON.stringify(data) ? undefined : out;
}

/**
 * Payments whose merchant metadata names the buyer (an e-mail anywhere in a value, or a
 * value equal to the id). A LIKE pre-filter over the metadata column, then an exact check
 * on the parsed JSON; a full scan, acceptable for a rare admin operation.
 */
async function metadataMatches(trx: DbOrTx, wanted: ReadonlyArray<{ kind: BuyerIdentifierKind; value: string }>, merchantId: string | undefined): Promise<string[]> {
  const found: string[] = [];
  for (const w of wanted) {
    const needle = normalize(w.kind, w.value);
    const pattern = `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    for (const p of await paymentsWithMetadataLike(trx, pattern, merchantId)) {
      let md: unknown;
      try {
        md = JSON.parse(p.metadata);
      } catch {
        continue;
      }
      const values = typeof md === 'object' && md !== null ? Object.values(md).filter((v): v is string => typeof v === 'string') : [];
      const hit = w.kind === 'email' ? values.some((v) => v.toLowerCase().includes(needle)) : values.some((v) => v.trim() === needle);
      if (hit) found.push(p.id);
    }
  }
  return found;
}
