/**
 * Stripe's bill of a day: GET /v1/balance_transactions with created[gte|lt] over the UTC day,
 * 100 a page, expand[]=data.source (the charge or refund behind each row carries Paygate's
 * reference in metadata and the PaymentIntent id the attempt holds), paged by starting_after
 * while has_more. Stripe publishes no per-day totals; what makes the bill complete is the
 * pagination itself, so a page that promises more and brings nothing fails the run.
 */
import { BillError, billDayWindow, billUnavailable, isBillDay, type BillIo, type BillRow, type BillSource } from '../bills.js';
import type { ConnectorContext, ConnectorFailure, WireResponse } from '../types.js';
import { billRowOf } from './bill-rows.js';
import type { StripeCredentials } from './credentials.js';
import { badResponse, dataOf, readReply, str, stripeGet, type JsonObject } from './http.js';

const STEP = 'stripe balance_transactions';
const PAGE_SIZE = 100;

interface Page { ok: true; data: JsonObject[]; hasMore: boolean }

export function parseBalancePage(res: WireResponse): Page | ConnectorFailure {
  const reply = readReply(STEP, res);
  if (!reply.ok) return reply.failure;
  const data = dataOf(reply.object);
  const hasMore = reply.object.has_more;
  if (str(reply.object, 'object') !== 'list' || !data || typeof hasMore !== 'boolean') return badResponse(STEP, 'answer is not a list with data and has_more');
  return { ok: true, data, hasMore };
}

async function* rows(io: BillIo, ctx: ConnectorContext<StripeCredentials>, day: string): AsyncGenerator<BillRow> {
  if (!isBillDay(day)) throw new BillError('RECON.BILL_UNAVAILABLE', `${STEP}: ${JSON.stringify(day)} is not a calendar day (yyyy-mm-dd)`);
  const { from, to } = billDayWindow(day, stripeBills.utcOffsetMinutes);
  let cursor: string | undefined;
  let line = 0;
  for (let page = 1; ; page++) {
    const query = { created: { gte: from / 1000, lt: to / 1000 }, limit: PAGE_SIZE, expand: ['data.source'], ...(cursor ? { starting_after: cursor } : {}) };
    const got = await io.call(STEP, () => stripeGet(ctx, '/v1/balance_transactions', query), parseBalancePage);
    if (!got.ok) throw billUnavailable(STEP, got);
    if (got.hasMore && got.data.length === 0) {
      throw new BillError('RECON.BILL_TRUNCATED', `${STEP}: page ${page} of ${day} says has_more but lists nothing; the listing is cut short, run again`);
    }
    // Parsed page by page: a bad row fails the run before any row of its page is yielded.
    const parsed = got.data.map((txn) => billRowOf(txn, ++line, from, to));
    for (const row of parsed) if (row) yield row;
    if (!got.hasMore) return;
    const last = str(got.data[got.data.length - 1], 'id');
    if (!last || last === cursor) throw new BillError('RECON.BILL_TRUNCATED', `${STEP}: page ${page} of ${day} ends without a usable id to continue after`);
    cursor = last;
  }
}

export const stripeBills: BillSource<StripeCredentials> = {
  utcOffsetMinutes: 0,
  // Balance transactions are booked as they happen; two hours leave room for late writes.
  readyAt: '02:00',
  rows,
};
