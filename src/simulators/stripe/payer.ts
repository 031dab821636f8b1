// The buyer's side: the hosted checkout page at session.url with Approve / Decline / Cancel,
// and the same as JSON for tests and the CLI: POST /_payer/pay {reference, outcome}.
// A form post from the page answers 303 to success_url / cancel_url, as Checkout does.
import type { FastifyInstance } from 'fastify';
import type { SimContext } from './context.js';
import { unix } from './context.js';
import { displayAmount } from './currency.js';
import { ApiError } from './errors.js';
import { pay, type PayOutcome } from './ledger.js';
import { walletShell } from '../common/wallet-shell.js';

export const JSON_BODY_LIMIT = 16 * 1024;

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The hosted Checkout look, on the shared sandbox wallet shell; the title names the state for the tab. */
function page(title: string, body: string): string {
  return walletShell({ brand: { name: title.startsWith('SANDBOX') ? 'Stripe Checkout' : `Stripe Checkout: ${title}`, color: '#0a2540', primary: { background: '#533afd', text: '#fff' } }, body: `<div class="card">${body}</div>` });
}

function parseBody(body: unknown): { reference: string; outcome: PayOutcome } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'invalid_request_error', 'body must be {"reference":"<session id | url | payment intent id>","outcome":"success|fail|cancel"}');
  const { reference, outcome = 'success' } = body as Record<string, unknown>;
  if (typeof reference !== 'string' || reference.trim() === '' || reference.length > 1024) throw new ApiError(400, 'invalid_request_error', 'reference must be a session id, its url or a payment intent id');
  if (outcome !== 'success' && outcome !== 'fail' && outcome !== 'cancel') throw new ApiError(400, 'invalid_request_error', 'outcome must be "success", "fail" or "cancel"');
  return { reference, outcome };
}

export function registerPayerRoutes(app: FastifyInstance, sim: SimContext): void {
  app.get<{ Params: { id: string }; Querystring: { declined?: string } }>('/c/pay/:id', async (req, reply) => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    const found = sim.store.get(req.params.id);
    const s = found?.object.object === 'checkout.session' ? found.object : undefined;
    if (!s) return reply.code(404).send(page('Not found', '<p class="err">This checkout session does not exist.</p>'));
    const open = s.status === 'open' && Number(s.expires_at) > unix(sim.now());
    const currency = String(s.currency);
    const body = `<p class="amount">${esc(currency.toUpperCase())} ${esc(displayAmount(Number(s.amount_total), currency))}</p>
<dl><dt>Session</dt><dd>${esc(s.id)}</dd><dt>Status</dt><dd id="status">${esc(open ? 'open' : String(s.status === 'open' ? 'expired' : s.status))}</dd></dl>
${req.query.declined ? '<p class="err" role="alert">Your card was declined.</p>' : ''}
${open ? `<form method="post" action="../../_payer/pay"><input type="hidden" name="reference" value="${esc(s.id)}"><div class="actions">
<button id="approve" class="primary" name="outcome" value="success">Approve</button><button id="decline" class="secondary" name="outcome" value="fail">Decline</button><button id="cancel" class="tertiary" name="outcome" value="cancel">Cancel</button></div></form>` : '<p>This session can no longer be paid.</p>'}`;
    return reply.send(page('SANDBOX Stripe Checkout', body));
  });

  app.post('/_payer/pay', { bodyLimit: JSON_BODY_LIMIT }, async (req, reply) => {
    const fromPage = typeof req.body === 'string';
    try {
      const input = parseBody(fromPage ? Object.fromEntries(new URLSearchParams(req.body as string)) : req.body);
      const result = pay(sim, input.reference, input.outcome);
      if (!fromPage) return reply.send(result);
      // Declined: back to the page with the error, as Checkout keeps the buyer there.
      const target = input.outcome === 'fail' ? `${sim.publicBaseUrl()}/c/pay/${String(result.session?.id ?? '')}?declined=1` : result.redirect_url;
      return target ? reply.code(303).header('location', target).send() : reply.type('text/html; charset=utf-8').send(page('Done', '<p>Done.</p>'));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return fromPage ? reply.code(err.status).type('text/html; charset=utf-8').send(page('Error', `<p class="err">${esc(err.message)}</p>`)) : reply.code(err.status).send(err.body());
    }
  });
}
