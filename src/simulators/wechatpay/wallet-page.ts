import { qrWalletPage, walletShell } from '../common/wallet-shell.js';
import type { PayerOrder } from './payer.js';

const STATUS_TEXT: Record<PayerOrder['trade_state'], string> = {
  NOTPAY: 'Waiting for the buyer', USERPAYING: 'Scanned, waiting for confirmation', SUCCESS: 'Paid', PAYERROR: 'Payment failed', CLOSED: 'Closed', REFUND: 'Paid (refunded)',
};

const BRAND = { name: 'WeChat Pay 微信支付', color: '#057a3d' };

/** The page a code_url stands for in the sandbox. */
export function renderWalletPage(order: PayerOrder | undefined): string {
  if (!order) return walletShell({ brand: BRAND, body: '<div class="card"><p class="err">Unknown or invalid payment code.</p></div>' });
  return qrWalletPage({
    brand: BRAND,
    merchant: `Merchant ${order.mchid}`,
    subject: order.description,
    amount: `¥${order.amount}`,
    order: order.out_trade_no,
    status: STATUS_TEXT[order.trade_state],
    expires: order.time_expire,
    reference: order.code_url,
    labels: STATUS_TEXT,
    statusField: 'trade_state',
    cancel: false,
  });
}
