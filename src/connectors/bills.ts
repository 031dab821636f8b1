/**
 * The bill port: how reconciliation reads one provider account's statement of one day.
 *
 * Bills are not part of the payment port (connectors/types.ts) because their shape differs
 * by provider: Alipay hands out a zip behind a 30 s URL, WeChat Pay a gzip behind a URL plus
 * a signed SHA1, UnionPay a base64 zip inside a signed answer, Stripe and PayPal paged JSON.
 * What every source guarantees is the same and is written here, member by member.
 *
 * A source never does I/O of its own: the app layer hands it a BillIo whose `call` runs a
 * signed request through the account's resilience policy (as every other provider call) and
 * whose `download` streams a body to a temporary file with a size cap. The source builds
 * requests, picks the next step, and parses files as streams of typed rows, so a bill of a
 * million rows never sits in memory.
 */
import type { Readable, Writable } from 'node:stream';
import type { ConnectorContext, ConnectorFailure, WireRequest, WireResponse } from './types.js';

export type BillRowKind = 'payment' | 'refund';

/**
 * What the provider says became of the money on a row.
 * - succeeded: a payment row whose money was taken, or a refund row whose money went back;
 * - closed: a payment row the provider lists but did not take money for (WeChat REVOKED,
 *   a reversed capture, a failed charge) — Paygate must not show it as succeeded;
 * - pending: a refund the provider still processes (WeChat PROCESSING) — compared when final.
 */
export type BillRowStatus = 'succeeded' | 'closed' | 'pending';

export interface BillRow {
  /** 1-based line (or record / page item) number in the provider's file, for messages. */
  line: number;
  kind: BillRowKind;
  /** The order reference Paygate sent (attempts.provider_reference: out_trade_no, orderId, invoice/metadata), if the bill carries it. */
  reference: string | null;
  /** The provider's own id of the trade (attempts.provider_transaction_id: trade_no, transaction_id, queryId, charge/capture id). */
  providerTransactionId: string | null;
  /** Refund rows: the refund reference Paygate sent (out_request_no, out_refund_no, …) if the bill carries it. */
  refundReference: string | null;
  /** Refund rows: the provider's refund id. */
  providerRefundId: string | null;
  status: BillRowStatus;
  /** Positive integer minor units (a refund row's amount is what went back, positive). */
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** The provider's fee on this row in minor units (positive: charged to the merchant; a refund row may return fee as a negative), null if the bill has none. */
  fee: number | null;
  /** When the provider booked the row (epoch ms): payment time for payments, refund time for refunds. */
  occurredAt: number;
}

/** A bill step that failed on the provider's side, typed like every connector failure. */
export type BillStepFailure = ConnectorFailure;

export interface DownloadedFile {
  status: number;
  headers: Record<string, string>;
  /** A temporary file holding the whole body; the app deletes it after the run. */
  path: string;
  bytes: number;
}

/** What a call adds to the connector context: the bearer token, for connectors that need one. */
export interface CallAuth { accessToken?: string }

export interface BillIo {
  /**
   * One signed API call through the account's resilience policy. Never throws for provider
   * trouble: a failure value. `build` gets what the app adds to the context rows() got for
   * this call: the OAuth token of connectors with `auth` (PayPal), fetched and refreshed by the app.
   */
  call<R extends { ok: boolean }>(
    operation: string,
    build: (auth: CallAuth) => WireRequest | ConnectorFailure,
    parse: (res: WireResponse) => R | ConnectorFailure,
  ): Promise<R | ConnectorFailure>;
  /**
   * Streams a GET (or a signed request) to a temporary file. Throws BillError
   * RECON.BILL_TOO_LARGE past the configured cap and RECON.BILL_UNAVAILABLE when the
   * provider cannot be reached; any HTTP status is returned for the source to judge.
   */
  download(req: WireRequest): Promise<DownloadedFile>;
  /**
   * Reads a file of this run (a download, or a scratch file the source wrote), from byte
   * `start` to `end` inclusive when given. Sources do no file I/O of their own (the
   * architecture test holds connectors to that): the app owns the run's files.
   */
  read(path: string, range?: { start?: number; end?: number }): Promise<Readable>;
  /** A new scratch file of this run for intermediate bytes (an inflated archive): its path and a stream to write it; the app deletes it with the run. */
  scratch(name: string): { path: string; write(): Writable };
  /** The run's clock. */
  now(): Date;
  /**
   * The rows of a bill file of this run, read by the connector's parser for `format`
   * (bill-files.ts) with `params`. The app may run the parser on a worker thread, so a
   * million-row file is unpacked and parsed while the rows before are matched; the rows,
   * their order and every BillError are exactly what the parser itself gives.
   */
  parseFile(format: BillFileFormat, path: string, params: BillFileParams): AsyncIterable<BillRow>;
}

/** The bill files a connector parses from disk (a downloaded zip or gzip). */
export type BillFileFormat = 'alipay' | 'wechatpay' | 'unionpay';
/** What a file parser needs besides the file: plain values, so they can cross to a worker thread. */
export type BillFileParams = Readonly<Record<string, string | number>>;

export type BillErrorCode =
  | 'RECON.BILL_UNAVAILABLE'
  | 'RECON.BILL_URL_EXPIRED'
  | 'RECON.BILL_TOO_LARGE'
  | 'RECON.BILL_TRUNCATED'
  | 'RECON.BILL_HASH_MISMATCH'
  | 'RECON.BILL_ENCODING'
  | 'RECON.BILL_HEADER_CHANGED'
  | 'RECON.BILL_ROW_INVALID'
  | 'RECON.BILL_TOTALS_MISMATCH';

/** Bad input in a bill: the run fails with this code and message, and nothing is written. */
export class BillError extends Error {
  constructor(readonly code: BillErrorCode, message: string) {
    super(message);
    this.name = 'BillError';
  }
}

/** A connector failure during a bill step, as a BillError (the message keeps the provider's words). */
export function billUnavailable(step: string, failure: ConnectorFailure): BillError {
  return new BillError('RECON.BILL_UNAVAILABLE', `${step}: ${failure.code}: ${failure.message}`);
}

export interface BillSource<C> {
  /**
   * The provider's bill day, as minutes east of UTC (Asia/Shanghai: 480; Stripe and PayPal
   * as Paygate asks them: 0). A day "2026-12-01" is [00:00, 24:00) at this offset.
   */
  readonly utcOffsetMinutes: number;
  /** Local time (HH:MM at that offset) after which yesterday's bill is final; the daily job runs later. */
  readonly readyAt: string;
  /**
   * Streams every row of one day's bill. Called once per run, with the account's
   * credentials. Guarantees:
   * - rows are yielded in file order, each fully parsed and checked (amount an integer of
   *   minor units, a real date, a known status) — otherwise BillError RECON.BILL_ROW_INVALID;
   * - the file's own totals (summary file, footer, summary rows) are checked against the
   *   rows before the iterator finishes — otherwise RECON.BILL_TOTALS_MISMATCH — so a
   *   consumer that reaches the end has seen a complete and consistent bill;
   * - a day with no bill ("no bill" answers of Alipay, WeChat Pay, UnionPay respCode 98) is
   *   an iterator with no rows, not an error;
   * - every other problem is a BillError with one of the codes above; it never yields a
   *   partly parsed row.
   */
  rows(io: BillIo, ctx: ConnectorContext<C>, day: string): AsyncIterable<BillRow>;
}

/** yyyy-mm-dd of a real calendar day. */
export function isBillDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === day;
}

/** [from, to) in epoch ms of a bill day at the source's offset. */
export function billDayWindow(day: string, utcOffsetMinutes: number): { from: number; to: number } {
  const from = Date.parse(`${day}T00:00:00Z`) - utcOffsetMinutes * 60_000;
  return { from, to: from + 86_400_000 };
}
