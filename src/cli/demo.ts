/** On an empty database, `paygate start` creates a demo merchant wired to the simulators and says how to use it. */
import type { Runtime } from '../runtime.js';
import { createSandboxMerchant } from '../sandbox/index.js';
import { createPayment } from '../app/payments.js';
import { createEndpoint } from '../app/webhooks.js';

export async function bootstrapDemo(rt: Runtime): Promise<string | undefined> {
  const any = await rt.ctx.db.selectFrom('merchants').select('id').limit(1).executeTakeFirst();
  if (any || !rt.config.PAYGATE_SIMULATORS) return undefined;
  const m = await createSandboxMerchant(rt.ctx, rt.simulators, 'Demo Shop');
  const base = rt.ctx.publicUrl();
  const endpoint = await createEndpoint(rt.ctx, m.id, { url: `${base}/sandbox/webhooks/inbox`, events: ['*'] });
  let checkout = '';
  try {
    const p = await createPayment(rt.ctx, m.id, { amount: 8888, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'DEMO-1', description: 'Demo order' });
    checkout = p.payment.next_action?.checkout_url ?? '';
    checkout = `\nA demo payment is waiting: ${checkout}\n  pay it:  npx paygate sandbox pay ${p.payment.id}\n`;
  } catch (err) {
    rt.ctx.log.warn({ err }, 'could not create the demo payment');
  }
  return `
Paygate is running at ${base} (${rt.ctx.dbh.dialect}, data in ${rt.config.PAYGATE_DATA_DIR})
Demo merchant ${m.id} ("Demo Shop") with sandbox accounts for: ${m.provider_accounts.map((a) => a.provider).join(', ')}
  secret key:  ${m.secret_key}
  admin token: ${rt.config.PAYGATE_ADMIN_TOKEN} (also in ${rt.config.PAYGATE_DATA_DIR}/admin.token)
  webhooks go to ${endpoint.url} (see them: curl ${base}/sandbox/webhooks/inbox)
  webhook secret: ${endpoint.secret}

Create a payment:
  curl -s ${base}/v1/payments -H 'Authorization: Bearer ${m.secret_key}' -H 'Content-Type: application/json' \\
    -H 'Idempotency-Key: demo-2' -d '{"amount":8888,"currency":"CNY","method":"alipay_qr","merchant_order_id":"ORD-1001","description":"2 tickets"}'
${checkout}API docs: ${base}/docs
`;
}
