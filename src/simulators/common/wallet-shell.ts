/**
 * The look shared by the sandbox wallet pages (what a QR code or approval URL opens): a
 * provider-colored header, an unmissable SANDBOX badge, the amount large, then the buyer's
 * choices as full-width buttons that are easy to hit on a phone. Colors keep white text at
 * WCAG AA contrast, which is why some are a shade darker than the brands'.
 */

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

export interface WalletBrand {
  /** Shown in the header and the title, e.g. "Alipay". */
  name: string;
  /** Header background and primary button (white text on it). */
  color: string;
  /** Primary button override when the brand's button is light (PayPal gold). */
  primary?: { background: string; text: string };
}

export interface WalletPage {
  brand: WalletBrand;
  /** Already-escaped HTML for the page body. */
  body: string;
  /** Optional inline script (simulator pages carry no CSP; the gateway's cashier does). */
  script?: string;
  lang?: string;
}

export function walletShell(p: WalletPage): string {
  const primary = p.brand.primary ?? { background: p.brand.color, text: '#fff' };
  return `<!doctype html>
<html lang="${escapeHtml(p.lang ?? 'en')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>SANDBOX ${escapeHtml(p.brand.name)}</title>
<style>
  :root { --brand: ${p.brand.color}; --primary: ${primary.background}; --primary-text: ${primary.text}; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; color: #1f2328; background: #f2f3f5; }
  .wh { display: flex; align-items: center; justify-content: space-between; gap: .5rem; padding: .9rem 1rem; background: var(--brand); color: #fff; }
  .wh h1 { margin: 0; font-size: 1.125rem; }
  .badge { padding: .15rem .55rem; border-radius: 999px; background: #fff; color: #b91c1c; font-size: .75rem; font-weight: 800; letter-spacing: .12em; }
  .wallet { max-width: 26rem; margin: 0 auto; padding: 1.25rem 1rem 2rem; }
  .card { padding: 1.25rem 1rem; border-radius: .9rem; background: #fff; box-shadow: 0 1px 3px rgba(0,0,0,.08); text-align: center; }
  .merchant { margin: 0; color: #4b5563; font-size: .9rem; overflow-wrap: anywhere; }
  .subject { margin: .25rem 0 0; font-size: 1.05rem; overflow-wrap: anywhere; }
  .amount { margin: .5rem 0 .25rem; font-size: 2.4rem; font-weight: 700; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: .2rem .75rem; margin: 1rem 0 0; padding: .75rem 0 0; border-top: 1px solid #e5e7eb; font-size: .875rem; text-align: left; color: #374151; }
  dt { color: #4b5563; } dd { margin: 0; overflow-wrap: anywhere; }
  .actions { display: grid; gap: .6rem; margin-top: 1.25rem; }
  .actions button { width: 100%; padding: .9rem; border: 0; border-radius: .6rem; font: inherit; font-weight: 600; cursor: pointer; }
  .actions .primary { background: var(--primary); color: var(--primary-text); }
  .actions .secondary { background: #e5e7eb; color: #1f2328; }
  .actions .tertiary { background: transparent; color: #1d4ed8; text-decoration: underline; }
  .actions button:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
  .note { margin: 1rem 0 0; font-size: .8125rem; color: #4b5563; text-align: center; }
  .ok { color: #166534; } .err { color: #b91c1c; }
  #result:empty { display: none; }
  #result { margin: 1rem 0 0; font-weight: 600; text-align: center; }
</style>
</head>
<body>
<header class="wh"><h1>${escapeHtml(p.brand.name)}</h1><span class="badge" aria-label="Sandbox: no real money moves">SANDBOX</span></header>
<main class="wallet">
${p.body}
<p class="note">Sandbox simulator: no real money moves.</p>
</main>
${p.script ? `<script>${p.script}</script>` : ''}
</body>
</html>`;
}

/** Serialises a value into an inline script without letting it close the <script> element. */
export const scriptValue = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');

/** The wallet page a QR code opens at the Alipay and WeChat Pay simulators. */
export interface QrWalletPage {
  brand: WalletBrand;
  /** Plain text; escaped here like every other field. */
  merchant: string;
  subject: string;
  amount: string;
  order: string;
  status: string;
  expires: string;
  /** What the buttons send to the payer API as `reference`. */
  reference: string;
  /** Status texts by the status the payer API answers with, in its field `statusField`. */
  labels: Readonly<Record<string, string>>;
  statusField: string;
  /** A Cancel button that scans without paying (the buyer backs out in the app). */
  cancel: boolean;
}

/** Buttons call the payer API with relative URLs, so the page works wherever the simulator is mounted. */
export function qrWalletPage(p: QrWalletPage): string {
  const body = `<div class="card">
  <p class="merchant">${escapeHtml(p.merchant)}</p>
  <p class="subject">${escapeHtml(p.subject)}</p>
  <p class="amount">${escapeHtml(p.amount)}</p>
  <dl>
    <dt>Order</dt><dd>${escapeHtml(p.order)}</dd>
    <dt>Status</dt><dd id="status">${escapeHtml(p.status)}</dd>
    <dt>Expires</dt><dd>${escapeHtml(p.expires)}</dd>
  </dl>
  <div class="actions">
    <button id="pay" class="primary" data-action="pay" data-outcome="success">Pay</button>
    <button id="fail" class="secondary" data-action="pay" data-outcome="fail">Fail</button>${p.cancel ? `
    <button id="cancel" class="tertiary" data-action="scan">Cancel</button>` : ''}
  </div>
  <p id="result" role="status"></p>
</div>`;
  const script = `
    const reference = ${scriptValue(p.reference)};
    const labels = ${scriptValue(p.labels)};
    const field = ${scriptValue(p.statusField)};
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
          document.getElementById('status').textContent = labels[data[field]] || data[field];
          out.textContent = action === 'scan' ? 'You left without paying.' : 'Done: ' + data[field];
          out.className = 'ok';
        } else {
          out.textContent = data.error ? data.error.message : 'Error ' + res.status;
          out.className = 'err';
        }
      });
    }`;
  return walletShell({ brand: p.brand, body, script });
}
