/**
 * The one error catalog. Codes are stable and never reused: clients branch on them.
 * `status` is the HTTP status the API answers with; `hint` says how to fix the problem
 * and is the default message. docs/errors.md is checked against this table by a test.
 */
export const ERROR_CATALOG = {
  'VALIDATION.INVALID_BODY': { status: 400, hint: 'The request body failed validation; `errors` lists every problem ({field, code, message}, the message says what to send instead) and `field` is the first one.' },
  'VALIDATION.INVALID_JSON': { status: 400, hint: 'The request body is not valid JSON. Send Content-Type: application/json with a JSON object.' },
  'VALIDATION.INVALID_QUERY': { status: 400, hint: 'A query parameter failed validation; `errors` lists every problem and `field` is the first one. Correct the parameters it names; each message says what to send instead.' },
  'VALIDATION.INVALID_PATH': { status: 400, hint: 'An id in the URL path is malformed (e.g. /v1/payments/{id} needs pay_ and 26 lower-case letters or digits); `errors` lists every problem. Use the id exactly as the API returned it.' },
  'VALIDATION.UNSUPPORTED_MEDIA_TYPE': { status: 415, hint: 'The API reads JSON only: send the body with Content-Type: application/json (not a form or text).' },
  'VALIDATION.UNSUPPORTED_CURRENCY': { status: 400, hint: 'Use an ISO 4217 currency the method supports (alipay_qr: CNY).' },
  'VALIDATION.BODY_TOO_LARGE': { status: 413, hint: 'The request body exceeds the size limit (64 KiB by default). Send a smaller body, or have the operator raise PAYGATE_BODY_LIMIT.' },
  'AUTH.MISSING': { status: 401, hint: 'Send Authorization: Bearer <secret key>.' },
  'AUTH.INVALID_KEY': { status: 401, hint: 'The API key is unknown or revoked. Create a new one with POST /admin/merchants/{id}/api_keys.' },
  'AUTH.INVALID_ADMIN_TOKEN': { status: 401, hint: 'The admin API needs Authorization: Bearer $PAYGATE_ADMIN_TOKEN.' },
  'AUTH.INVALID_METRICS_TOKEN': { status: 401, hint: '/metrics needs Authorization: Bearer $PAYGATE_METRICS_TOKEN (Prometheus: authorization.credentials in the scrape config).' },
  'RESOURCE.NOT_FOUND': { status: 404, hint: 'No such route. Check the method and path against the API reference (GET /openapi.json, or /docs).' },
  'MERCHANT.NOT_FOUND': { status: 404, hint: 'No merchant with that id. Use the id POST /admin/merchants returned.' },
  'API_KEY.NOT_FOUND': { status: 404, hint: 'No API key with that id for this merchant. List the merchant\'s keys with GET /admin/merchants/{id}/api_keys and use one of their ids.' },
  'PAYMENT.NOT_FOUND': { status: 404, hint: 'No payment with that id for this merchant. Use the id the create returned, with a key of the merchant that made it (GET /v1/payments lists them).' },
  'PAYMENT.DUPLICATE_ORDER': { status: 409, hint: 'merchant_order_id already exists with a different amount or currency; use a new order id.' },
  'PAYMENT.STATE_FORBIDS_ACTION': { status: 422, hint: 'The payment is in a state that does not allow this action. Read the payment\'s `status` (GET /v1/payments/{id}) and only ask for what that state allows.' },
  'PAYMENT.NO_PROVIDER_ACCOUNT': { status: 422, hint: 'The merchant has no provider account for this method; add one with POST /admin/merchants/{id}/provider_accounts.' },
  'PAYMENT.METHOD_UNAVAILABLE': { status: 422, hint: 'This method is not available in this build of Paygate. Use one of the methods the API reference lists for `method`.' },
  'REFUND.NOT_FOUND': { status: 404, hint: 'No refund with that id for this merchant. Use the id the refund request returned, with a key of the same merchant (GET /v1/refunds lists them).' },
  'REFUND.AMOUNT_EXCEEDS_REFUNDABLE': { status: 422, hint: 'Pending plus succeeded refunds would exceed the paid amount; lower the amount.' },
  'REFUND.PAYMENT_NOT_REFUNDABLE': { status: 422, hint: 'Only succeeded payments can be refunded. Refund the payment once its `status` is succeeded.' },
  'REFUND.PAYMENT_DISPUTED': { status: 422, hint: 'The payment has an open dispute (see its `disputes`); the provider does not refund a contested payment. Answer the dispute in the provider\'s dashboard and refund after it is decided; after a lost dispute or a reversal only what was not taken back can be refunded.' },
  'DISPUTE.NOT_FOUND': { status: 404, hint: 'No dispute with that id for this merchant. Use an id from the payment\'s `disputes` or GET /v1/disputes, with a key of the same merchant.' },
  'WEBHOOK_ENDPOINT.NOT_FOUND': { status: 404, hint: 'No webhook endpoint with that id for this merchant. Use the id the endpoint create returned, with a key of the same merchant (GET /v1/webhook_endpoints lists them).' },
  'WEBHOOK_ENDPOINT.URL_FORBIDDEN': { status: 400, hint: 'The webhook URL points at an address Paygate does not call (loopback, private, link-local, …); use a public host, or have the operator allow it with PAYGATE_WEBHOOK_ALLOWED_HOSTS.' },
  'EVENT.NOT_FOUND': { status: 404, hint: 'No event with that id for this merchant. Use an event id from a webhook or from GET /v1/events, with a key of the same merchant.' },
  'JOB.NOT_FOUND': { status: 404, hint: 'No job with that id. A job that finished is deleted; list the dead ones with GET /admin/jobs?state=dead.' },
  'JOB.NOT_DEAD': { status: 409, hint: 'Only a dead job (state dead in GET /admin/jobs) can be retried; a pending job runs by itself at its run_at. Wait for a pending job; retry one only once it is dead.' },
  'PROVIDER_ACCOUNT.NOT_FOUND': { status: 404, hint: 'No provider account with that id. Use the id POST /admin/merchants/{id}/provider_accounts returned.' },
  'PROVIDER_ACCOUNT.INVALID_CREDENTIALS': { status: 400, hint: 'The credentials do not have the shape this provider needs (see API.md, Credentials).' },
  'IDEMPOTENCY.KEY_REUSED': { status: 422, hint: 'This Idempotency-Key was used with a different request body; use a new key.' },
  'IDEMPOTENCY.IN_PROGRESS': { status: 409, hint: 'A request with this Idempotency-Key is still being processed; retry after it finishes.' },
  'IDEMPOTENCY.KEY_INVALID': { status: 400, hint: 'Idempotency-Key must be 1..255 printable ASCII characters.' },
  'CONNECTOR.TIMEOUT': { status: 504, hint: 'The provider did not answer in time, so it may have acted on the request. Repeat it as it was: a create with the same merchant_order_id, amount, currency and method (a new Idempotency-Key is fine) resumes the same attempt, which Paygate resends to the same provider account with the same provider-side key (out_trade_no / Idempotency-Key / PayPal-Request-Id), so the provider answers with the order it made instead of making a second; a refund with the same Idempotency-Key resends the same out_request_no. Never use a new merchant_order_id for the same sale: that is a second payment.' },
  'CONNECTOR.UNAVAILABLE': { status: 503, hint: 'The provider could not be reached or answered with a server error. When `safe_to_repeat` is in the error, no answer came back and the request is repeated exactly as for CONNECTOR.TIMEOUT; otherwise nothing exists at the provider and a repeat (same merchant_order_id) routes again, to another account if one is configured.' },
  'CONNECTOR.BAD_RESPONSE': { status: 502, hint: 'The provider answered with something Paygate cannot parse. Check that the account\'s base_url is the provider\'s API endpoint; if it is, retry later.' },
  'CONNECTOR.RESPONSE_SIGNATURE_INVALID': { status: 502, hint: 'The provider response signature did not verify. Check the provider public key in the account credentials (for Alipay: the ALIPAY public key, not your app public key).' },
  'CONNECTOR.REJECTED': { status: 502, hint: 'The provider rejected the request; the message carries its code. Look the code up in the provider\'s documentation and correct the request or the account\'s settings at the provider.' },
  'VALIDATION.AMOUNT_NOT_REPRESENTABLE': { status: 400, hint: 'The provider cannot charge this amount in this currency: it is outside the provider\'s limits (Alipay up to 100,000,000.00 CNY, UnionPay 12 digits of fen, WeChat Pay up to 2,147,483,647 fen, Stripe up to 8 digits) or not a multiple the provider can express (Stripe three-decimal currencies such as KWD: multiples of 10 minor units); the message names the range. Nothing was stored; change the amount.' },
  'VALIDATION.RETURN_URL_INVALID': { status: 400, hint: 'return_url must be an absolute https:// URL of at most 2048 characters, without credentials, spaces, control characters or backslashes; http:// is accepted only to localhost / 127.0.0.1 / [::1] with a test key.' },
  'PAYMENT.MODE_MISMATCH': { status: 403, hint: 'Test keys (sk_test_) only reach sandbox provider accounts and the payments made on them; live keys (sk_live_) only live ones. Use a key of the payment\'s or account\'s mode, or pin an account of the key\'s mode.' },
  'CONNECTOR.AUTH_FAILED': { status: 502, hint: 'The provider rejected our signature or credentials. Check app_id and the private key registered with the provider.' },
  'NOTIFY.CERT_URL_UNTRUSTED': { status: 400, hint: 'The notification names a signing-certificate URL outside the pinned provider hosts (PayPal: PAYPAL-CERT-URL); it was not fetched and nothing was changed. The provider names only its own hosts: suspect a forged notification.' },
  'NOTIFY.CERT_UNAVAILABLE': { status: 503, hint: 'The signing certificate named by the notification could not be fetched or parsed; the provider will retry. Nothing was changed.' },
  'NOTIFY.TIMESTAMP_OUT_OF_TOLERANCE': { status: 400, hint: 'The notification was signed more than 300 s from now (a replay or a skewed clock); nothing was changed. Check the server clock.' },
  'NOTIFY.SIGNATURE_INVALID': { status: 400, hint: 'The notification signature does not verify with the configured provider public key. Check the provider public key in the account credentials, or suspect a forgery; nothing was changed.' },
  'NOTIFY.MALFORMED': { status: 400, hint: 'The notification is missing required fields or is not in the provider format. Check that the notify URL configured at the provider is this account\'s /notify/{provider}/{provider_account_id}; nothing was changed.' },
  'NOTIFY.ACCOUNT_MISMATCH': { status: 400, hint: 'The notification names another app / merchant id than this provider account. Check the notify URL configured at the provider and the app / merchant id in the account credentials; nothing was changed.' },
  'NOTIFY.AMOUNT_MISMATCH': { status: 400, hint: 'The notified amount or currency differs from the payment; nothing was changed. Suspect a forged or tampered notification; the payment is settled by its own status query.' },
  'NOTIFY.UNKNOWN_ORDER': { status: 404, hint: 'The notification references an order this account never created. Check that no other system shares this account\'s notify URL, or suspect a forgery; nothing was changed.' },
  'NOTIFY.REFUND_AMBIGUOUS': { status: 409, hint: 'A refund made outside Paygate has the amount of one of Paygate\'s own refunds that is still pending without a provider refund id, so it may be that very refund; nothing was changed. The refund sync learns the pending refund\'s id, and the provider\'s retry of this notification is then matched or recorded once.' },
  'NOTIFY.UNKNOWN_ACCOUNT': { status: 404, hint: 'No account of this provider has the id in the notification URL /notify/{provider}/{provider_account_id} (or the provider is unknown); the provider gets its failure answer and nothing is stored. Check the notify URL configured at the provider.' },
  'NOTIFY.DECRYPTION_FAILED': { status: 400, hint: 'The encrypted notification resource did not decrypt (AES-GCM tag mismatch); check the APIv3 key (WeChat Pay apiv3_key) of the provider account. Nothing was changed.' },
  'NOTIFY.REFUND_LOOKUP_FAILED': { status: 503, hint: 'The notification reports a refund made outside Paygate (Alipay: in the merchant portal) whose amount must be read from the provider (alipay.trade.fastpay.refund.query by out_biz_no), and that lookup failed or the refund is not finished yet; nothing was changed and the provider retries the notification.' },
  'CONNECTOR.CERT_UNKNOWN': { status: 502, hint: 'The provider answer names a signing certificate the account does not hold (Alipay: alipay_cert_sn): the provider has rotated its certificate. Add the new certificate to the credentials (Alipay: alipay_public_cert as a list, old and new, with the new alipayCertPublicKey_RSA2.crt from the Alipay console) and keep the old one while answers still name it. The call may have taken effect: it is settled by the next query.' },
  'NOTIFY.CERT_UNKNOWN': { status: 400, hint: 'The notification names a signing certificate the account does not hold (Alipay: alipay_cert_sn): the provider has rotated its certificate. Add the new one to the credentials (Alipay: alipay_public_cert as a list, old and new); nothing was changed, and the provider\'s retries are accepted once it is added.' },
  'SERVICE.UNAVAILABLE': { status: 503, hint: 'The database is unreachable; retry shortly.' },
  'CONNECTOR.CERT_UNTRUSTED': { status: 502, hint: 'The provider answer is signed with a certificate that does not chain to the configured root/middle certificates (UnionPay: root_cert, middle_cert); check them or suspect a forged answer.' },
  'CONNECTOR.CERT_EXPIRED': { status: 502, hint: 'The certificate that signed the provider answer (or a configured CA certificate) is outside its validity period; update the provider certificates in the account credentials.' },
  'NOTIFY.CERT_UNTRUSTED': { status: 400, hint: 'The notification is signed with a certificate that does not chain to the configured root/middle certificates; nothing was changed. Check root_cert and middle_cert in the account credentials, or suspect a forgery.' },
  'NOTIFY.CERT_EXPIRED': { status: 400, hint: 'The certificate that signed the notification (or a configured CA certificate) is outside its validity period; nothing was changed. Update the provider certificates in the account credentials.' },
  'NOTIFY.CERT_OWNER_MISMATCH': { status: 400, hint: 'The notification is signed with a certificate that chains to the configured CA but is not the provider\'s own (UnionPay: the third @-field of its subject CN is not 中国银联股份有限公司, or 00040000:SIGN for an account with environment "test"); the same CA issues merchants\' certificates, so suspect a forgery. Nothing was changed. A test-environment account needs environment "test" in its credentials.' },
  'CONNECTOR.CERT_OWNER_MISMATCH': { status: 502, hint: 'The provider answer is signed with a certificate that chains to the configured CA but is not the provider\'s own (UnionPay: the third @-field of its subject CN is not 中国银联股份有限公司, or 00040000:SIGN for an account with environment "test"); suspect a forged answer, or set environment "test" for an account on UnionPay\'s test environment.' },
  'CONNECTOR.CIRCUIT_OPEN': { status: 503, hint: 'Calls to this provider account are paused on this node: too many of its recent calls failed (circuit breaker open). Nothing was sent; retry after a few seconds, or check GET /admin/provider_accounts/{id}/health.' },
  'CONNECTOR.BULKHEAD_FULL': { status: 503, hint: 'Too many calls to this provider account are already in flight on this node (PAYGATE_PROVIDER_BULKHEAD). Nothing was sent; retry shortly.' },
  'ROUTING.INVALID_RULES': { status: 400, hint: 'The routing rules are inconsistent or name an account this merchant cannot use for the method; see `field`.' },
  'ROUTING.NO_ACCOUNT_AVAILABLE': { status: 503, hint: 'Every provider account the routing allows was skipped (circuit breaker open or daily limit reached); `tried` lists them. Retry later, raise daily_limit or add accounts to the routing rule.' },
  'VALIDATION.INVALID_HEADER': { status: 400, hint: 'A request header failed validation; see `field` (Paygate-Priority must be high, normal or low).' },
  'RATE_LIMIT.PRIORITY_NOT_ALLOWED': { status: 403, hint: 'This API key may not send this Paygate-Priority class; send a class it allows, or have the admin grant it (PATCH /admin/merchants/{id}/api_keys/{key_id} with allowed_priorities).' },
  'RATE_LIMIT.EXCEEDED': { status: 429, hint: 'This API key sent more requests this second than its priority class may use; retry after Retry-After seconds, spread requests out, or have the admin raise the key\'s rate_limit.' },
  'RATE_LIMIT.OVERLOADED': { status: 429, hint: 'This Paygate node is overloaded and sheds lower-priority requests first; retry after Retry-After seconds.' },
  'RATE_LIMIT.CLIENT_EXCEEDED': { status: 429, hint: 'This address sent more requests to the cashier (or /docs) this second than PAYGATE_CASHIER_RATE_PER_IP allows; retry after Retry-After seconds. Behind a proxy, list it in PAYGATE_TRUST_PROXY so buyers are told apart.' },
  'RATE_LIMIT.STREAMS_PER_PAYMENT': { status: 429, hint: 'This payment already has PAYGATE_SSE_MAX_PER_PAYMENT open status streams on this node; close one, or poll GET /pay/{id}/status (the cashier page falls back to it by itself).' },
  'RATE_LIMIT.NODE_BUSY': { status: 503, hint: 'This node\'s budget for this kind of unauthenticated traffic is full (the message names it); retry after Retry-After seconds, on another node if there is one. Providers retry refused notifications by themselves.' },
  'RECON.BILL_UNAVAILABLE': { status: 502, hint: 'The provider did not hand out the bill (its answer is in the message: a failed download-URL query, a 5xx, a refused download). The run is marked failed and nothing was written; run it again later (paygate reconcile, or POST /admin/reconciliation_runs).' },
  'RECON.BILL_URL_EXPIRED': { status: 502, hint: 'The bill download URL had expired when it was fetched, twice in a row (Alipay\'s URL lives 30 s; Paygate asks again once). Check this node\'s clock and its latency to the provider, then run again.' },
  'RECON.BILL_TOO_LARGE': { status: 422, hint: 'The bill is larger than PAYGATE_RECON_MAX_BILL_BYTES; nothing was written. Raise the limit if the account really has that many trades a day.' },
  'RECON.BILL_TRUNCATED': { status: 422, hint: 'The bill file ends early (a truncated zip or gzip, a missing footer or summary); nothing was written. Retry the run to download it anew; if it stays truncated, ask the provider.' },
  'RECON.BILL_HASH_MISMATCH': { status: 422, hint: 'The downloaded bill does not match the digest the provider signed (WeChat Pay hash_value, SHA1): it was corrupted or tampered with on the way. Nothing was written; retry the run.' },
  'RECON.BILL_ENCODING': { status: 422, hint: 'The bill is not in the provider\'s text encoding (Alipay and UnionPay: GBK; WeChat Pay: UTF-8) or not in its file format; nothing was written. Check that the account\'s base_url is the provider\'s real endpoint.' },
  'RECON.BILL_HEADER_CHANGED': { status: 422, hint: 'The bill\'s column header is not the one Paygate reads (the provider changed its format); nothing was written. Update Paygate; the message shows the header found.' },
  'RECON.BILL_ROW_INVALID': { status: 422, hint: 'A row of the bill has a field Paygate cannot read (an amount, a date, a status); the message names the line and the field. Nothing was written.' },
  'RECON.BILL_TOTALS_MISMATCH': { status: 422, hint: 'The bill\'s own summary (count or total) differs from the sum of its rows: the file is incomplete or corrupt. Nothing was written; retry the run.' },
  'RECON.TOO_MANY_DIFFERENCES': { status: 422, hint: 'The bill and the ledger disagree on more rows than PAYGATE_RECON_MAX_DIFFERENCES (default 100000); nothing was written. So many usually means the wrong account or day (another system\'s bill, a ledger restored from an old backup): check the provider account\'s credentials and the day, then run again, or raise the limit if the differences are real.' },
  'RECON.RUN_NOT_FOUND': { status: 404, hint: 'No reconciliation run with that id. List runs with GET /admin/reconciliation_runs and use one of their ids.' },
  'RECON.RUN_IN_PROGRESS': { status: 409, hint: 'A run for this provider account and day is already running (on this or another node); wait for it (GET /admin/reconciliation_runs/{id}) instead of starting another.' },
  'RECON.NOT_SUPPORTED': { status: 422, hint: 'This provider account cannot be reconciled in this build (no bill source for its provider, or a sandbox account without bills); see docs/reconciliation.md.' },
  'RISK.INVALID_RULE': { status: 400, hint: 'A risk rule is invalid: an unknown or missing field, a `when` expression that does not parse, names an attribute the schema lacks or is not boolean, or a duplicate name. The message names the rule and the line and column of the bad part; `details.problems` lists every problem. Correct the rule as the message says; nothing was stored.' },
  'RISK.RULE_TOO_BROAD': { status: 422, hint: 'An active block or review rule would match every payment (its `when` is always true, or it matches every ordinary sample payment); the message names it. Narrow its `when`, put it in `shadow` mode first, or send `force: true` if that is really meant; nothing was stored.' },
  'RISK.INVALID_LIST_ENTRY': { status: 400, hint: 'A risk list entry is invalid (an IP that is not an IPv4/IPv6 address or CIDR, an email without @, a country that is not ISO 3166 alpha-2, an unknown list or action, a bad expires_at); `details.problems` lists every entry by index. Correct the entries it names; nothing was stored.' },
  'RISK.INVALID_ATTRIBUTES': { status: 500, hint: 'The facts gathered for a risk decision do not match the attribute schema (a missing required attribute, a wrong type, an unknown name); this is a bug in the code that gathers them. Check the message for the attribute and have the operator report it.' },
  'RISK.RULE_VERSION_NOT_FOUND': { status: 404, hint: 'The merchant has no risk rule set of that version. Use a version from 1 to the one GET /admin/merchants/{id}/risk/rules answers (the latest).' },
  'RISK.LIST_ENTRY_NOT_FOUND': { status: 404, hint: 'The merchant has no risk list entry with that id (it was deleted, or belongs to another merchant). List the merchant\'s entries with GET /admin/merchants/{id}/risk/lists and use one of their ids.' },
  'RISK.LIST_TOO_LARGE': { status: 400, hint: 'One call carries at most 1,000 list entries; nothing was stored. Send a larger import in pages of up to 1,000 entries (an entry sent again is updated, not duplicated).' },
  'RISK.BLOCKED': { status: 402, hint: 'Risk control blocked the payment before it reached a provider: a block rule or block-list entry matched (the message and `details.rules` / `details.lists` name them). The payment is stored as failed with failure_code RISK.BLOCKED; nothing was charged. If the block is wrong, change the merchant\'s risk rules or lists (PUT /admin/merchants/{id}/risk/rules, DELETE …/risk/lists/{entry_id}) and create the payment again with a new merchant_order_id.' },
  'RISK.DENIED': { status: 402, hint: 'An operator denied this payment in manual review (POST /admin/reviews/{id}/deny); it is stored as failed with failure_code RISK.DENIED and nothing was charged. A repeated create of the same order answers this again; if the buyer should be able to pay, create a new payment with a new merchant_order_id.' },
  'RISK.REVIEW_NOT_FOUND': { status: 404, hint: 'No review with that id. List the open reviews with GET /admin/reviews?status=open and use one of their ids; a payment\'s review id is in its `risk.review_id`.' },
  'RISK.REVIEW_CLOSED': { status: 409, hint: 'The review is closed already (approved, denied, expired with its payment, or canceled with it); `details.closed_reason` says how. Nothing changed; read the payment to see where it stands.' },
  'INTERNAL.ERROR': { status: 500, hint: 'Unexpected error; it has been logged with the request_id. Repeat the request (with the same Idempotency-Key); if it fails again, give the request_id to the operator.' },
} as const satisfies Record<string, { status: number; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export class PaygateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  /** Extra machine-readable context merged into the error body (e.g. payment_id). */
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message?: string, opts: { field?: string; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message ?? ERROR_CATALOG[code].hint, { cause: opts.cause });
    this.name = 'PaygateError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.field = opts.field;
    this.details = opts.details;
  }
}
