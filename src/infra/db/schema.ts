/**
 * Row types for Kysely. Times are epoch milliseconds (bigint in PostgreSQL, integer in
 * SQLite) so both dialects compare and index them the same way; amounts are integer minor
 * units. JSON columns are text, parsed at the edge.
 */
import type { Generated } from 'kysely';

export interface MerchantRow { id: string; name: string; created_at: number }
export interface ApiKeyRow {
  id: string; merchant_id: string; key_hash: string; prefix: string; mode: string;
  created_at: number; revoked_at: number | null;
  /** Comma-separated priority classes this key may send in Paygate-Priority; null = the default (normal, low). */
  allowed_priorities?: string | null;
  /** Requests per second for this key; null = PAYGATE_RATE_LIMIT_PER_S. */
  rate_limit?: number | null;
}
export interface ProviderAccountRow {
  id: string; merchant_id: string; provider: string; mode: string; base_url: string;
  credentials_enc: string; daily_limit: number | null; created_at: number;
}
export interface PaymentRow {
  id: string; merchant_id: string; merchant_order_id: string; amount: number; currency: string;
  method: string; provider: string; status: string; description: string; return_url: string | null;
  metadata: string; amount_refunded: number; expires_at: number; created_at: number; updated_at: number;
  /** ISO 3166-1 alpha-2, when the merchant gives it (routing conditions). */
  payer_country?: string | null;
  /** JSON array of routing decisions: accounts skipped or abandoned, and why. */
  routing_log?: string | null;
  /** 1 while a dispute or reversal of this payment is open or was lost (migration 0005). */
  disputed?: number;
  /** Why it failed or what the last decline was: domain/failure-codes.ts (migration 0006). */
  failure_code?: string | null; failure_message?: string | null;
  /** The provider's fee and what reached the merchant, learnt from its bill (migration 0008). */
  fee?: number | null; net?: number | null;
  /** Who pays, as the merchant says (risk inputs, migration 0011); erased with the buyer. */
  customer_id?: string | null; customer_email?: string | null; customer_phone?: string | null;
  client_ip?: string | null; device_id?: string | null;
  /** The risk decision before the provider call (migration 0012): allow | review | block, 0..99, and the why as JSON. */
  risk_action?: string | null; risk_score?: number | null; risk_decision?: string | null;
}
export interface AttemptRow {
  id: string; payment_id: string; merchant_id: string; provider: string; provider_account_id: string;
  provider_reference: string; status: string; qr_code: string | null; redirect_url: string | null;
  provider_transaction_id: string | null; error_code: string | null; error_message: string | null;
  created_at: number; updated_at: number;
  /** The provider's order id from create (PayPal order id); provider_transaction_id is the paid transaction (PayPal capture id). */
  provider_order_id?: string | null;
  /** The provider's last decline on this attempt: Paygate's code, text, the provider's own code (migration 0006). */
  failure_code?: string | null; failure_message?: string | null; decline_code?: string | null;
  /**
   * PayPal capture rounds (migration 0007): the buyer's approval round this attempt is
   * captured in, and the round whose capture was declined with a retryable decline
   * (INSTRUMENT_DECLINED) — equal means "waiting for the buyer to approve again".
   */
  capture_round?: number; capture_declined_round?: number | null;
  /** When Paygate recorded the success (migration 0008): the day reconciliation expects it in the bill. */
  succeeded_at?: number | null;
}
export interface RefundRow {
  id: string; merchant_id: string; payment_id: string; attempt_id: string; amount: number; currency: string;
  status: string; reason: string | null; provider_reference: string; provider_refund_id: string | null;
  failure_reason: string | null; created_at: number; updated_at: number;
  /** 'paygate' (asked through the API) or 'provider' (made in the provider's dashboard or portal, learnt afterwards). */
  origin?: string;
}
export interface DisputeRow {
  id: string; merchant_id: string; payment_id: string; attempt_id: string; provider: string; provider_dispute_id: string;
  /** 'dispute' (contested by the buyer, may be won) or 'reversal' (money taken back without one). */
  kind: string; status: string; amount: number; currency: string; reason: string | null; provider_status: string | null;
  created_at: number; updated_at: number; closed_at: number | null;
}
export interface EventRow { id: string; merchant_id: string; type: string; object_id: string; data: string; created_at: number }
export interface WebhookEndpointRow {
  id: string; merchant_id: string; url: string; secret_enc: string; events: string; created_at: number; deleted_at: number | null;
}
export interface WebhookDeliveryRow {
  id: string; event_id: string; endpoint_id: string; merchant_id: string; status: string; attempts: number;
  last_status_code: number | null; last_error: string | null; delivered_at: number | null; created_at: number; updated_at: number;
}
export interface NotificationRow {
  id: string; provider: string; provider_account_id: string; notification_id: string | null; payment_id: string | null;
  verdict: string; error_code: string | null; raw: string; received_at: number;
  /** When `raw` was blanked (retention or a buyer's erase request); null while it is kept. */
  purged_at?: number | null;
}
export type BuyerIdentifierKindColumn = 'provider_buyer_id' | 'email' | 'customer_id';
/** A buyer identifier as a keyed hash (never in clear), pointing at the row that carried it. */
export interface BuyerIdentifierRow {
  hash: string; kind: BuyerIdentifierKindColumn; source_id: string; payment_id: string | null; merchant_id: string; created_at: number;
}
export interface JobRow {
  id: string; kind: string; ref_id: string; run_at: number; attempts: number; payload: string;
  locked_by: string | null; locked_until: number | null; created_at: number;
  /** Set when the job gave up (bounded retries spent): kept as a dead letter for operators, never claimed again. */
  dead_at?: number | null; last_error?: string | null;
}
export interface IdempotencyKeyRow {
  merchant_id: string; idem_key: string; request_hash: string; status: string; response_status: number | null;
  response_body: string | null; created_at: number; expires_at: number;
}
export interface MetaRow { key: string; value: string }
export interface RoutingRulesRow { merchant_id: string; rules: string; updated_at: number }
export interface AccountDailyUsageRow { provider_account_id: string; day: string; amount: number; count: number }

export interface ReconciliationRunRow {
  id: string; merchant_id: string; provider: string; provider_account_id: string; day: string; status: string; trigger: string;
  execution: number; committed_execution: number | null; rows_read: number; rows_matched: number;
  /** JSON {class: count} of the last committed execution. */
  differences: string;
  error_code: string | null; error_message: string | null; node: string | null; heartbeat_at: number | null;
  started_at: number; finished_at: number | null; created_at: number;
}
export interface ReconciliationDifferenceRow {
  id: string; run_id: string; class: string; key: string; status: string;
  payment_id: string | null; attempt_id: string | null; refund_id: string | null; reference: string | null; provider_transaction_id: string | null;
  /** JSON: what Paygate has, what the bill says, what the repair did. */
  expected: string | null; actual: string | null; repair: string | null;
  created_at: number; updated_at: number;
}
export interface ReconciliationMatchRow { run_id: string; execution: number; attempt_id: string; payment_id: string; fee: number | null; net: number | null }
/** Risk control's link graph (migration 0009): a and b appeared in one payment; kept in both directions. */
export type RiskEntityKindColumn = 'customer' | 'device' | 'ip' | 'email' | 'buyer';
export interface RiskEdgeRow {
  merchant_id: string; a_kind: RiskEntityKindColumn; a_value: string; b_kind: RiskEntityKindColumn; b_value: string;
  first_seen: number; last_seen: number;
}
/** A merchant's risk list entry (migration 0010); list and action are domain/risk unions, checked in repos/risk-config.ts. */
export interface RiskListEntryRow {
  id: string; merchant_id: string; list: string; action: string;
  /** Normalised (domain/risk/lists.ts): lower-case email, upper-case country, canonical IP/CIDR. */
  value: string;
  expires_at: number | null; created_at: number; updated_at: number;
}
/** One version of a merchant's risk rules (migration 0010); rules is a JSON array of RiskRule. */
export interface RiskRuleSetRow { merchant_id: string; version: number; rules: string; created_at: number; created_by: string | null }
/** A payment held for manual review (migration 0012); status open | closed. */
export interface RiskReviewRow {
  id: string; merchant_id: string; payment_id: string; key_mode: string; pinned_account_id: string | null; status: string;
  /** Why it was opened: the rules and list entries that asked for review. */
  reason: string;
  /** approved | denied | expired | canceled, once closed. */
  closed_reason: string | null; closed_by: string | null; note: string | null;
  created_at: number; closed_at: number | null;
}
/** A customer's behaviour profile in one currency (migration 0012): domain/risk/profile.ts as JSON. */
export interface RiskProfileRow { merchant_id: string; customer_id: string; currency: string; profile: string; updated_at: number }
export interface Database {
  merchants: MerchantRow;
  api_keys: ApiKeyRow;
  provider_accounts: ProviderAccountRow;
  payments: PaymentRow;
  attempts: AttemptRow;
  refunds: RefundRow;
  disputes: DisputeRow;
  events: EventRow;
  webhook_endpoints: WebhookEndpointRow;
  webhook_deliveries: WebhookDeliveryRow;
  notifications: NotificationRow;
  jobs: JobRow;
  idempotency_keys: IdempotencyKeyRow;
  paygate_meta: MetaRow;
  routing_rules: RoutingRulesRow;
  account_daily_usage: AccountDailyUsageRow;
  buyer_identifiers: BuyerIdentifierRow;
  reconciliation_runs: ReconciliationRunRow;
  reconciliation_differences: ReconciliationDifferenceRow;
  reconciliation_matches: ReconciliationMatchRow;
  risk_edges: RiskEdgeRow;
  risk_list_entries: RiskListEntryRow;
  risk_rule_sets: RiskRuleSetRow;
  risk_reviews: RiskReviewRow;
  risk_profiles: RiskProfileRow;
  _unused?: Generated<never>;
}
