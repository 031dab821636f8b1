/**
 * PayPal's bill of a day: Transaction Search, GET /v1/reporting/transactions over the UTC day
 * (one window; PayPal allows 31 days), fields=all, 500 a page, paged by page / total_pages
 * with the app's OAuth token. A window PayPal will not answer whole (400 RESULTSET_TOO_LARGE)
 * is split in halves, recursively. The totals are the page's own: total_items and total_pages
 * must agree with the pages and the rows counted, or the run fails.
 */
import { BillError, billDayWindow, billUnavailable, isBillDay, type BillIo, type CallAuth, type BillRow, type BillSource } from '../bills.js';
import type { ConnectorContext, ConnectorFailure, WireResponse } from '../types.js';
import { billRowOf } from './bill-rows.js';
import type { PaypalCredentials } from './credentials.js';
import { getRequest, type PaypalContext } from './request.js';
import { bad, parseJson, readReply, str, isObject, type Json } from './response.js';

const STEP = 'paypal transaction search';
const PAGE_SIZE = 500;
/** Below a second a window cannot be split further (PayPal's dates have second precision). */
const MIN_WINDOW_MS = 1000;

type Page = { ok: true; tooLarge: true } | { ok: true; tooLarge: false; items: Json[]; page: number; totalItems: number; totalPages: number };

export function parseSearchPage(res: WireResponse): Page | ConnectorFailure {
  if (res.status === 400 && str(parseJson(res), 'name') === 'RESULTSET_TOO_LARGE') return { ok: true, tooLarge: true };
  const r = readReply(STEP, res);
  if (!r.ok) return r;
  const details = r.body.transaction_details;
  const [page, totalItems, totalPages] = [r.body.page, r.body.total_items, r.body.total_pages];
  if (!Array.isArray(details) || ![page, totalItems, totalPages].every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) {
    return bad(STEP, 'answer lacks transaction_details, page, total_items or total_pages');
  }
  const items = details.map((d: unknown) => (isObject(d) && isObject(d.transaction_info) ? d.transaction_info : undefined));
  if (items.some((i) => i === undefined)) return bad(STEP, 'a transaction_details item has no transaction_info');
  return { ok: true, tooLarge: false, items: items as Json[], page: page as number, totalItems: totalItems as number, totalPages: totalPages as number };
}

const iso = (ms: number) => new Date(ms).toISOString();

function request(ctx: PaypalContext, from: number, to: number, page: number) {
  const q = new URLSearchParams({ start_date: iso(from), end_date: iso(to), fields: 'all', page_size: String(PAGE_SIZE), page: String(page) });
  // The call's own context carries the OAuth token the app fetched for it (BillIo.call).
  return (auth: CallAuth) => getRequest({ ...ctx, ...auth }, `/v1/reporting/transactions?${q.toString()}`);
}

interface Counter { line: number }

/** Every row of [from, to), in PayPal's order; halves the window when PayPal finds it too large. */
async function* windowRows(io: BillIo, ctx: PaypalContext, from: number, to: number, n: Counter): AsyncGenerator<BillRow> {
  const where = `${iso(from)} – ${iso(to)}`;
  let seen = 0;
  let totals: { items: number; pages: number } | undefined;
  for (let page = 1; totals === undefined || page <= totals.pages; page++) {
    const got = await io.call(STEP, request(ctx, from, to, page), parseSearchPage);
    if (!got.ok) throw billUnavailable(STEP, got);
    if (got.tooLarge) {
      // Only the first page can be refused: splitting later would list the rows already yielded twice.
      if (page > 1) throw new BillError('RECON.BILL_UNAVAILABLE', `${STEP} ${where}: page ${page} answered RESULTSET_TOO_LARGE after page 1 was served; run again`);
      if (to - from < 2 * MIN_WINDOW_MS) throw new BillError('RECON.BILL_TOO_LARGE', `${STEP}: even the window ${where} holds more rows than PayPal answers`);
      const mid = from + Math.floor((to - from) / 2 / MIN_WINDOW_MS) * MIN_WINDOW_MS;
      yield* windowRows(io, ctx, from, mid, n);
      yield* windowRows(io, ctx, mid, to, n);
      return;
    }
    const now = { items: got.totalItems, pages: got.totalPages };
    if (totals && (totals.items !== now.items || totals.pages !== now.pages)) {
      throw new BillError('RECON.BILL_TOTALS_MISMATCH', `${STEP} ${where}: page ${page} says ${now.items} items in ${now.pages} pages, page 1 said ${totals.items} in ${totals.pages}; the listing changed while read, run again`);
    }
    totals = now;
    if (got.page !== page) throw new BillError('RECON.BILL_UNAVAILABLE', `${STEP} ${where}: asked for page ${page}, got page ${got.page}`);
    if (page < totals.pages && got.items.length < PAGE_SIZE) {
      throw new BillError('RECON.BILL_TRUNCATED', `${STEP} ${where}: page ${page} of ${totals.pages} ends after ${got.items.length} of ${PAGE_SIZE} rows; run again`);
    }
    seen += got.items.length;
    // A page is parsed whole before any of its rows is yielded: a bad row yields nothing of its page.
    const rows = got.items.map((info) => billRowOf(info, ++n.line, from, to));
    for (const row of rows) if (row) yield row;
  }
  const pages = Math.max(1, Math.ceil(totals.items / PAGE_SIZE));
  if (seen !== totals.items || pages !== totals.pages) {
    throw new BillError('RECON.BILL_TOTALS_MISMATCH', `${STEP} ${where}: total_items ${totals.items} in total_pages ${totals.pages}, but ${seen} rows were listed`);
  }
}

async function* rows(io: BillIo, ctx: ConnectorContext<PaypalCredentials>, day: string): AsyncGenerator<BillRow> {
  if (!isBillDay(day)) throw new BillError('RECON.BILL_UNAVAILABLE', `${STEP}: ${JSON.stringify(day)} is not a calendar day (yyyy-mm-dd)`);
  const { from, to } = billDayWindow(day, paypalBills.utcOffsetMinutes);
  yield* windowRows(io, ctx, from, to, { line: 0 });
}

export const paypalBills: BillSource<PaypalCredentials> = {
  utcOffsetMinutes: 0,
  // Transaction Search lags by up to three hours (last_refreshed_datetime); 06:00 leaves margin.
  readyAt: '06:00',
  rows,
};
