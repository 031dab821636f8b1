import { escapeHtml, scriptValue, walletShell } from '../common/wallet-shell.js';
import type { PayerTrade } from './payer.js';

const STATUS_TEXT: Record<PayerTrade['trade_status'], string> = {
  NOT_SCANNED: 'Waiting for the buyer',
  WAIT_BUYER_PAY: 'Scanned, waiting for payment',
  TRADE_SUCCESS: 'Paid',
  TRADE_CLOSED: 'Closed',
};

const BRAND = { name: 'Alipay 支付宝', color: '#0e5fd8' };

/**
 * The page the QR code opens. Buttons call the payer API with relative URLs, so the page
 * works wherever the simulator is mounted. "Cancel" scans without paying: the trade stays
 * WAIT_BUYER_PAY, as when a real buyer backs out in the app.
 */
export function renderWalletPage(trade: PayerTrade | undefined, expired: boolean): string {
  if (!trade) return walletShell({ brand: BRAND, body: '<div class="card"><p class="err">Unknown or invalid QR code.</p></div>' });
  const body = `<div class="card">
  <p class="merchant">Pay to merchant app ${escapeHtml(trade.app_id)}</p>
  <p class="subject">${escapeHtml(trade.subject)}</p>
  <p class="amount">¥${escapeHtml(trade.total_amount)}</p>
  <dl>
    <dt>Order</dt><dd>${escapeHtml(trade.out_trade_no)}</dd>
    <dt>Status</dt><dd id="status">${escapeHtml(expired && trade.trade_status !== 'TRADE_SUCCESS' ? 'Expired' : STATUS_TEXT[trade.trade_status])}</dd>
    <dt>Expires</dt><dd>${escapeHtml(trade.time_expire)} (GMT+8)</dd>
  </dl>
  <div class="actions">
    <button id="pay" class="primary" data-action="pay" data-outcome="success">Pay</button>
    <button id="fail" class="secondary" data-action="pay" data-outcome="fail">Fail</button>
    <button id="cancel" class="tertiary" data-action="scan">Cancel</button>
  </div>
  <p id="result" role="status"></p>
</div>`;
  const script = `
    const reference = ${scriptValue(trade.qr_code)};
    const labels = ${scriptValue(STATUS_TEXT)};
    for (const b of document.querySelectorAll('button[data-action]')) {
      b.addEventListener('click', async () => {
        const action = b.dataset.action;
        const payload = action === 'pay' ? { reference, outcome: b.dataset.outcome } : { reference };
        const res = await fetch('../_payer/' + action, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload),
        });
        const data = await res.json();
        const out = document.getElementById('result');
        if (res.ok) {
          document.getElementById('status').textContent = labels[data.trade_status] || data.trade_status;
          out.textContent = action === 'scan' ? 'You left without paying.' : 'Done: ' + data.trade_status;
          out.className = 'ok';
        } else {
          out.textContent = data.error ? data.error.message : 'Error ' + res.status;
          out.className = 'err';
        }
      });
    }`;
  return walletShell({ brand: BRAND, body, script });
}
