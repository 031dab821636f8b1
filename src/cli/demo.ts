/** On an empty database, `paygate start` creates a demo merchant wired to the simulators and says how to use it. */
import type { Runtime } from '../runtime.js';
import { createSandboxMerchant } from '../sandbox/index.js';
import { createPayment } from '../app/payments/index.js';
import { createEndpoint } from '../app/webhooks.js';
import { hasMerchants } from '../app/merchants.js';
import { PaygateError } from '../domain/errors.js';

/** Why there are no simulators, named by the setting that turns them off (see infra/config.ts). */
export function simulatorsOffReason(config: Runtime['config']): string {
  if (!config.embedded) return 'DATABASE_URL is set, so they are off by default';
  if (config.NODE_ENV === 'production') return 'NODE_ENV=production, so they are off by default';
  return 'PAYGATE_SIMULATORS=false';
}

/** The CLI finds this gateway by itself at http://127.0.0.1:8080 with ./data; say where it is otherwise. */
function cliUrl(rt: Runtime): string {
  const base = rt.ctx.publicUrl();
  return base === 'http://127.0.0.1:8080' || base === 'http://localhost:8080' ? '' : ` --url ${base}`;
}

function cliPrefix(rt: Runtime): string {
  const dir = rt.config.PAYGATE_DATA_DIR;
  return dir === './data' || dir === 'data' ? '' : `PAYGATE_DATA_DIR=${dir} `;
}

export async function bootstrapDemo(rt: Runtime): Promise<string | undefined> {
  if (await hasMerchants(rt.ctx)) return undefined;
  const base = rt.ctx.publicUrl();
  if (!rt.config.PAYGATE_SIMULATORS) {
    return `
No demo merchant: the provider simulators and the sandbox webhook inbox are off (${simulatorsOffReason(rt.config)}; PAYGATE_SIMULATORS=true turns them on, never on a node that takes real payments).
Create a merchant and add real provider accounts:
  curl -s ${rt.listeners.admin ?? base}/admin/merchants -H "Authorization: Bearer $PAYGATE_ADMIN_TOKEN" -H 'Content-Type: application/json' -d '{"name":"My Shop"}'
`;
  }
  const m = await createSandboxMerchant(rt.ctx, rt.simulators, 'Demo Shop');
  // The inbox is on this node (loopback): allowed in the quick start, refused elsewhere unless the operator allows it.
  const endpoint = await createEndpoint(rt.ctx, m.id, { url: `${base}/sandbox/webhooks/inbox`, events: ['*'] }).catch((err: unknown) => {
    if (err instanceof PaygateError && err.code === 'WEBHOOK_ENDPOINT.URL_FORBIDDEN') return undefined;
    throw err;
  });
  let checkout = '';
  try {
    const p = await createPayment(rt.ctx, m.id, { amount: 8888, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'DEMO-1', description: 'Demo order' }, 'test');
    checkout = p.payment.next_action?.checkout_url ?? '';
    checkout = `\nA demo payment is waiting: ${checkout}\n  pay it:  ${cliPrefix(rt)}npx paygate sandbox pay ${p.payment.id}${cliUrl(rt)}\n`;
  } catch (err) {
    rt.ctx.log.warn({ err }, 'could not create the demo payment');
  }
  return `
Paygate is running at ${base} (${rt.ctx.dbh.dialect}, data in ${rt.config.PAYGATE_DATA_DIR})
Demo merchant ${m.id} ("Demo Shop") with sandbox accounts for: ${m.provider_accounts.map((a) => a.provider).join(', ')}
  secret key:  ${m.secret_key}
  admin token: ${rt.config.PAYGATE_ADMIN_TOKEN} (also in ${rt.config.PAYGATE_DATA_DIR}/admin.token)
${endpoint
    ? `  webhooks go to ${endpoint.url} (see them: curl ${base}/sandbox/webhooks/inbox)\n  webhook secret: ${endpoint.secret}`
    : `  no demo webhook endpoint: this node's own address is refused (PAYGATE_WEBHOOK_ALLOWED_HOSTS)`}

Create a payment:
  curl -s ${base}/v1/payments -H 'Authorization: Bearer ${m.secret_key}' -H 'Content-Type: application/json' \\
    -H 'Idempotency-Key: demo-2' -d '{"amount":8888,"currency":"CNY","method":"alipay_qr","merchant_order_id":"ORD-1001","description":"2 tickets"}'
${checkout}API docs: ${base}/docs

Warning: the simulators and the webhook inbox at ${base}/sandbox/* answer anyone who can reach this port.
  They are off by default with DATABASE_URL or NODE_ENV=production; PAYGATE_SIMULATORS=false turns them off here.
`;
}
