/**
 * GET /pay/{id}: the minimal hosted checkout page (the full cashier with QR image and
 * server-sent events is a later piece of work). It reveals only what the buyer needs:
 * merchant name, description, amount, status and the provider's QR / approval link.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { formatMinor } from '../../domain/money.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function payPageRoutes(app: FastifyInstance, ctx: AppContext): void {
  const load = async (id: string) => {
    if (!/^pay_[0-9a-z]{26}$/.test(id)) return undefined;
    const p = await ctx.db.selectFrom('payments').innerJoin('merchants', 'merchants.id', 'payments.merchant_id')
      .select(['payments.id', 'payments.status', 'payments.amount', 'payments.currency', 'payments.description', 'payments.return_url', 'payments.expires_at', 'merchants.name as merchant_name'])
      .where('payments.id', '=', id).executeTakeFirst();
    if (!p) return undefined;
    const a = await ctx.db.selectFrom('attempts').select(['qr_code', 'redirect_url']).where('payment_id', '=', id).orderBy('id', 'desc').executeTakeFirst();
    return { ...p, qr_code: a?.qr_code ?? null, redirect_url: a?.redirect_url ?? null };
  };

  app.get<{ Params: { id: string } }>('/pay/:id/status', async (req, reply) => {
    const p = await load(req.params.id);
    if (!p) return reply.code(404).send({ error: { code: 'PAYMENT.NOT_FOUND', message: 'no such payment', request_id: req.id } });
    return { status: p.status, return_url: p.status === 'succeeded' ? p.return_url : null };
  });

  app.get<{ Params: { id: string } }>('/pay/:id', async (req, reply) => {
    const p = await load(req.params.id);
    if (!p) return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><title>Not found</title><p>Payment not found.</p>');
    const link = p.qr_code ?? p.redirect_url;
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Pay ${esc(p.merchant_name)}</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
.amount{font-size:2rem;font-weight:600}.status{padding:.5rem;border-radius:.4rem;background:#f2f4f7}a.btn{display:inline-block;padding:.7rem 1.2rem;background:#1677ff;color:#fff;border-radius:.4rem;text-decoration:none}</style></head>
<body><main><h1>${esc(p.merchant_name)}</h1><p>${esc(p.description)}</p><p class="amount">${esc(p.currency)} ${esc(formatMinor(p.amount, p.currency))}</p>
<p class="status" id="status" role="status">Status: ${esc(p.status)}</p>
${link && (p.status === 'requires_action' || p.status === 'processing') ? `<p><a class="btn" href="${esc(link)}">Open to pay</a></p><p><small>QR content: <code>${esc(link)}</code></small></p>` : ''}
</main><script>
const el=document.getElementById('status');
async function tick(){try{const r=await fetch(location.pathname+'/status');const s=await r.json();el.textContent='Status: '+s.status;
if(s.status==='succeeded'&&s.return_url){location.href=s.return_url;return}
if(['requires_action','processing'].includes(s.status))setTimeout(tick,1500)}catch(e){setTimeout(tick,3000)}}
setTimeout(tick,1500);
</script></body></html>`;
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  });
}
