import { escapeHtml, scriptValue, walletShell } from '../common/wallet-shell.js';
import type { PayerOrder } from './payer.js';

const STATUS_TEXT: Record<PayerOrder['trade_state'], string> = {
  NOTPAY: 'Waiting for the buyer', USERPAYING: 'Scanned, waiting for confirmation', SUCCESS: 'Paid', PAYERROR: 'Payment failed', CLOSED: 'Closed', REFUND: 'Paid (refunded)',
};

const BRAND = { name: 'WeChat Pay 微信支付', color: '#057a3d' };

/**
 * The page a code_url stands for in the sandbox. Buttons call the payer API with relative
 * URLs, so the page works wherever the simulator is mounted.
 */
export function renderWalletPage(order: PayerOrder | undefined): string {
  if (!order) return walletShell({ brand: BRAND, body: '<div class="card"><p class="err">Unknown or invalid payment code.</p></div>' });
  const body = `<div class="card">
  <p class="merchant">Merchant ${escapeHtml(order.mchid)}</p>
  <p class="subject">${escapeHtml(order.description)}</p>
  <p class="amount">¥${escapeHtml(order.amount)}</p>
  <dl>
    <dt>Order</dt><dd>${escapeHtml(order.out_trade_no)}</dd>
    <dt>Status</dt><dd id="status">${escapeHtml(STATUS_TEXT[order.trade_state])}</dd>
    <dt>Expires</dt><dd>${escapeHtml(order.time_expire)}</dd>
  </dl>
  <div class="actions">
    <button id="pay" class="primary" data-outcome="success">Pay</button>
    <button id="fail" class="secondary" data-outcome="fail">Fail</button>
  </div>
  <p id="result" role="status"></p>
</div>`;
  const script = `
    const reference = ${scriptValue(order.code_url)};
    const labels = ${scriptValue(STATUS_TEXT)};
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
    }`;
  return walletShell({ brand: BRAND, body, script });
}
