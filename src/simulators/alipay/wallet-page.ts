import type { PayerTrade } from './payer.js';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const STATUS_TEXT: Record<PayerTrade['trade_status'], string> = {
  NOT_SCANNED: 'Waiting for the buyer',
  WAIT_BUYER_PAY: 'Scanned, waiting for payment',
  TRADE_SUCCESS: 'Paid',
  TRADE_CLOSED: 'Closed',
};

/**
 * The page the QR code opens. Buttons call the payer API with relative URLs, so the page
 * works wherever the simulator is mounted. "Cancel" scans without paying: the trade stays
 * WAIT_BUYER_PAY, as when a real buyer backs out in the app.
 */
export function renderWalletPage(trade: PayerTrade | undefined, expired: boolean): string {
  const body = !trade
    ? '<p class="err">Unknown or invalid QR code.</p>'
    : `
  <p class="subject">${escapeHtml(trade.subject)}</p>
  <p class="amount">¥ ${escapeHtml(trade.total_amount)}</p>
  <dl>
    <dt>Order</dt><dd>${escapeHtml(trade.out_trade_no)}</dd>
    <dt>Status</dt><dd id="status">${escapeHtml(expired && trade.trade_status !== 'TRADE_SUCCESS' ? 'Expired' : STATUS_TEXT[trade.trade_status])}</dd>
    <dt>Expires</dt><dd>${escapeHtml(trade.time_expire)} (GMT+8)</dd>
  </dl>
  <div class="buttons">
    <button id="pay" data-action="pay" data-outcome="success">Pay</button>
    <button id="fail" data-action="pay" data-outcome="fail">Fail</button>
    <button id="cancel" data-action="scan">Cancel</button>
  </div>
  <p id="result" role="status"></p>
  <script>
    const reference = ${JSON.stringify(trade.qr_code).replace(/</g, '\\u003c')};
    const labels = ${JSON.stringify(STATUS_TEXT)};
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
    }
  </script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>SANDBOX Alipay wallet</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 26rem; margin: 0 auto; padding: 1rem; background: #f5f7fa; }
  .banner { background: #c62828; color: #fff; font-weight: 700; text-align: center; padding: .5rem; border-radius: .25rem; letter-spacing: .1em; }
  .subject { font-size: 1.1rem; margin: 1.5rem 0 .25rem; }
  .amount { font-size: 2.2rem; font-weight: 700; margin: 0 0 1rem; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: .25rem 1rem; color: #444; }
  .buttons { display: flex; gap: .5rem; margin-top: 1.5rem; }
  button { flex: 1; padding: .75rem; font-size: 1rem; border: 0; border-radius: .25rem; cursor: pointer; }
  #pay { background: #1677ff; color: #fff; } #fail { background: #e0e0e0; } #cancel { background: #fff; border: 1px solid #bbb; }
  .ok { color: #2e7d32; } .err { color: #c62828; }
</style>
</head>
<body>
  <div class="banner">SANDBOX — no real money moves</div>
  <h1>Alipay (simulated)</h1>
  ${body}
</body>
</html>`;
}
