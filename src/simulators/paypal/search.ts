// GET /v1/reporting/transactions: PayPal's transaction search, for reconciliation. Captures
// (T0006, PayPal Checkout APIs) and refunds (T1107) in [start_date, end_date), max 31 days.
import type { FastifyRequest } from 'fastify';
import type { SimContext } from './context.js';
import { fromMinor } from './format.js';

type Answer = { status: number; body: unknown };
type Route = (method: 'GET', url: string, handler: (client: string, req: FastifyRequest) => Answer) => void;

const MAX_RANGE_MS = 31 * 24 * 3600_000;

export function registerSearch(route: Route, sim: SimContext): void {
  route('GET', '/v1/reporting/transactions', (client, req) => {
    const q = req.query as Record<string, string | undefined>;
    const from = Date.parse(q.start_date ?? '');
    const to = Date.parse(q.end_date ?? '');
    const invalid = (message: string) => ({ status: 400, body: { name: 'INVALID_REQUEST', message, details: [{ issue: 'INVALID_PARAMETER_VALUE', description: message }] } });
    if (!Number.isFinite(from) || !Number.isFinite(to)) return invalid('start_date and end_date are required ISO 8601 timestamps');
    if (to <= from || to - from > MAX_RANGE_MS) return invalid('end_date must be after start_date and at most 31 days later');
    const page = Math.max(1, Number(q.page ?? 1) || 1);
    const pageSize = Math.min(500, Math.max(1, Number(q.page_size ?? 100) || 100));
    const rows = [
      ...sim.store.capturesBetween(client, from, to).filter((c) => c.status !== 'DECLINED').map((c) => ({
        at: c.created_at,
        transaction_info: {
          paypal_account_id: client.slice(0, 13), transaction_id: c.id, transaction_event_code: 'T0006',
          transaction_initiation_date: new Date(c.created_at).toISOString(), transaction_updated_date: new Date(c.created_at).toISOString(),
          transaction_amount: { currency_code: c.currency, value: fromMinor(c.amount_minor, c.currency) },
          fee_amount: { currency_code: c.currency, value: fromMinor(-Math.round(c.amount_minor * 0.029), c.currency) },
          transaction_status: 'S', ...(c.invoice_id ? { invoice_id: c.invoice_id } : {}), ...(c.custom_id ? { custom_field: c.custom_id } : {}),
        },
      })),
      ...sim.store.refundsBetween(client, from, to).map((r) => ({
        at: r.created_at,
        transaction_info: {
          paypal_account_id: client.slice(0, 13), transaction_id: r.id, paypal_reference_id: r.capture_id, paypal_reference_id_type: 'TXN',
          transaction_event_code: 'T1107', transaction_initiation_date: new Date(r.created_at).toISOString(), transaction_updated_date: new Date(r.created_at).toISOString(),
          transaction_amount: { currency_code: r.currency, value: fromMinor(-r.amount_minor, r.currency) },
          transaction_status: 'S', ...(r.invoice_id ? { invoice_id: r.invoice_id } : {}), ...(r.custom_id ? { custom_field: r.custom_id } : {}),
        },
      })),
    ].sort((a, b) => a.at - b.at);
    const total = rows.length;
    return {
      status: 200,
      body: {
        transaction_details: rows.slice((page - 1) * pageSize, page * pageSize).map((r) => ({ transaction_info: r.transaction_info })),
        account_number: client.slice(0, 13), start_date: new Date(from).toISOString(), end_date: new Date(to).toISOString(),
        last_refreshed_datetime: new Date(sim.now()).toISOString(), page, total_items: total, total_pages: Math.max(1, Math.ceil(total / pageSize)),
      },
    };
  });
}
