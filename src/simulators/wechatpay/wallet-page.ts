import type { PayerOrder } from './payer.js';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const STATUS_TEXT: Record<PayerOrder['trade_state'], string> = {
  NOTPAY: 'Waiting for the buyer', USERPAYING: 'Scanned, waiting for confirmation', SUCCESS: 'Paid', PAYERROR: 'Payment failed', CLOSED: 'Closed', REFUND: 'Paid (refunded)',
};

/**
 * The page a code_url stands for in the sandbox. Buttons call the payer API with relative
 * URLs, so the page works wherever the simulator is mounted.
 */
export function renderWalletPage(order: PayerOrder | undefined): string {
  const body = !order
    ? '<p class="err">Unknown or invalid payment code.</p>'
    : `
  <p class="subject">${escapeHtml(order.description)}</p>
  <p class="amount">¥ ${escapeHtml(order.amount)}</p>
  <dl>
    <dt>Merchant</dt><dd>${escapeHtml(order.mchid)}</dd>
    <dt>Order</dt><dd>${escapeHtml(order.out_trade_no)}</dd>
    <dt>Status</dt><dd id="status">${escapeHtml(STATUS_TEXT[order.trade_state])}</dd>
    <dt>Expires</dt><dd>${escapeHtml(order.time_expire)}</dd>
  </dl>
  <div class="buttons">
    <button id="pay" data-outcome="success">Pay</button>
    <button id="fail" data-outcome="fail">Fail</button>
  </div>
  <p id="result" role="status"></p>
  <script>
    const reference = ${JSON.stringify(order.code_url).replace(/</g, '\\u003c')};
    const labels = ${JSON.stringify(STATUS_TEXT)};
    for (const b of document.querySelectorAll('button[data-outcome]')) {
      b.addEventListener('click', async () => {
        const res = await fetch('../_payer/pay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference, outcome: b.dataset.outcome }) });
        const data = await res.json();
        const out = document.getElementById('result');
        if (res.ok) {
          document.getElementById('status').textContent = labels[data.trade_state] || data.trade_state;
          out.textContent = 'Done: ' + data.trade_state;
          out.className = 'ok';
        } else {
          out.textContent = data.error ? data.error.message : 'Error ' + res.status;
          out.className = 'err';
        }
      });
    }
  </script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>SANDBOX WeChat Pay</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 26rem; margin: 0 auto; padding: 1rem; background: #f5f7fa; }
  .banner { background: #c62828; color: #fff; font-weight: 700; text-align: center; padding: .5rem; border-radius: .25rem; letter-spacing: .1em; }
  .subject { font-size: 1.1rem; margin: 1.5rem 0 .25rem; }
  .amount { font-size: 2.2rem; font-weight: 700; margin: 0 0 1rem; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: .25rem 1rem; color: #444; }
  .buttons { display: flex; gap: .5rem; margin-top: 1.5rem; }
  button { flex: 1; padding: .75rem; font-size: 1rem; border: 0; border-radius: .25rem; cursor: pointer; }
  #pay { background: #07c160; color: #fff; } #fail { background: #e0e0e0; }
  .ok { color: #2e7d32; } .err { color: #c62828; }
</style>
</head>
<body>
  <div class="banner">SANDBOX — no real money moves</div>
  <h1>WeChat Pay (simulated)</h1>
  ${body}
</body>
</html>`;
}
