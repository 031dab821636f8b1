// GET /v1/reporting/transactions: PayPal's transaction search, for reconciliation. Captures
// (T0006, PayPal Checkout APIs) and refunds (T1107) in [start_date, end_date), max 31 days,
// paged by page / page_size (≤ 500) with total_items and total_pages. Like PayPal, a window
// holding more rows than the search answers (10,000 by default) is refused with
// RESULTSET_TOO_LARGE, so callers must ask for smaller windows. The bill controls of every
// UTC day the window touches apply (search-items.ts); the day's fault shapes the answer.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BillFault } from '../common/bill-controls.js';
import type { SimContext } from './context.js';
import { newDebugId } from './format.js';
import { daySequence, type DaySequence, type Info } from './search-items.js';

type Answer = { status: number; body: unknown };
type Route = (method: 'GET', url: string, handler: (client: string, req: FastifyRequest) => Answer) => void;

const MAX_RANGE_MS = 31 * 24 * 3600_000;
const DAY_MS = 86_400_000;
export const DEFAULT_MAX_RESULTS = 10_000;

interface DayPart { day: string; seq: DaySequence; fault: BillFault | undefined }

function parts(sim: SimContext, client: string, from: number, to: number): DayPart[] {
  const out: DayPart[] = [];
  for (let start = Math.floor(from / DAY_MS) * DAY_MS; start < to; start += DAY_MS) {
    const day = new Date(start).toISOString().slice(0, 10);
    const fault = sim.bills.fault(client, day);
    if (fault === 'no_bill') continue;
    out.push({ day, fault, seq: daySequence(sim, sim.bills, client, day, Math.max(from, start), Math.min(to, start + DAY_MS)) });
  }
  return out;
}

/** The faults that apply to a JSON page: one bad row, totals that lie, a last page that never comes. */
function corrupt(info: Info, fault: BillFault | undefined): Info {
  if (fault === 'bad_amount') return { ...info, transaction_amount: { ...(info.transaction_amount as object), value: '12,34' } };
  if (fault === 'bad_date') return { ...info, transaction_initiation_date: '2026-13-45T25:61:00+0000' };
  return info;
}

export function registerSearch(route: Route, sim: SimContext): void {
  route('GET', '/v1/reporting/transactions', (client, req) => {
    const q = req.query as Record<string, string | undefined>;
    const from = Date.parse(q.start_date ?? '');
    const to = Date.parse(q.end_date ?? '');
    const invalid = (message: string) => ({ status: 400, body: { name: 'INVALID_REQUEST', message, debug_id: newDebugId(), details: [{ issue: 'INVALID_PARAMETER_VALUE', description: message }] } });
    if (!Number.isFinite(from) || !Number.isFinite(to)) return invalid('start_date and end_date are required ISO 8601 timestamps');
    if (to <= from || to - from > MAX_RANGE_MS) return invalid('end_date must be after start_date and at most 31 days later');
    const page = Math.max(1, Number(q.page ?? 1) || 1);
    const pageSize = Math.min(500, Math.max(1, Number(q.page_size ?? 100) || 100));
    const days = parts(sim, client, from, to);
    const total = days.reduce((n, d) => n + d.seq.length, 0);
    if (total > sim.searchMaxResults) {
      return { status: 400, body: { name: 'RESULTSET_TOO_LARGE', message: 'Result set size is greater than the maximum limit. Change the filter criteria and try again.', debug_id: newDebugId() } };
    }
    const details: Array<{ transaction_info: Info }> = [];
    let skip = (page - 1) * pageSize;
    for (const d of days) {
      if (details.length === pageSize) break;
      if (skip >= d.seq.length) {
        skip -= d.seq.length;
        continue;
      }
      for (let k = skip; k < d.seq.length && details.length < pageSize; k++) details.push({ transaction_info: k === 0 ? corrupt(d.seq.at(k), d.fault) : d.seq.at(k) });
      skip = 0;
    }
    const faults = new Set(days.map((d) => d.fault));
    const pages = Math.max(1, Math.ceil(total / pageSize));
    return {
      status: 200,
      body: {
        transaction_details: details,
        account_number: client.slice(0, 13), start_date: new Date(from).toISOString(), end_date: new Date(to).toISOString(),
        last_refreshed_datetime: new Date(sim.now()).toISOString(), page,
        // totals: one row more than listed; truncate: one page more than there is (it comes back empty).
        total_items: total + (faults.has('totals') ? 1 : 0),
        total_pages: pages + (faults.has('truncate') ? 1 : 0),
      },
    };
  });
}

/** Sandbox-only: the bill controls, and the search's result limit (so tests can make windows split). */
export function registerBillControls(app: FastifyInstance, sim: SimContext): void {
  sim.bills.register(app);
  app.post('/_bills/search_limit', async (req, reply) => {
    const n = (req.body as { max_results?: unknown } | undefined)?.max_results;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) return reply.code(400).send({ error: { code: 'INVALID_REQUEST', message: `send {"max_results": n} with n ≥ 1 (default ${DEFAULT_MAX_RESULTS})` } });
    sim.searchMaxResults = n;
    return reply.code(201).send({ ok: true });
  });
}
