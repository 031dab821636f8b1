import { qrWalletPage, walletShell } from '../common/wallet-shell.js';
import type { PayerTrade } from './payer.js';

const STATUS_TEXT: Record<PayerTrade['trade_status'], string> = {
  NOT_SCANNED: 'Waiting for the buyer',
  WAIT_BUYER_PAY: 'Scanned, waiting for payment',
  TRADE_SUCCESS: 'Paid',
  TRADE_CLOSED: 'Closed',
};

const BRAND = { name: 'Alipay 支付宝', color: '#0e5fd8' };

/**
 * The page the QR code opens. "Cancel" scans without paying: the trade stays WAIT_BUYER_PAY,
 * as when a real buyer backs out in the app.
 */
export function renderWalletPage(trade: PayerTrade | undefined, expired: boolean): string {
  if (!trade) return walletShell({ brand: BRAND, body: '<div class="card"><p class="err">Unknown or invalid QR code.</p></div>' });
  return qrWalletPage({
    brand: BRAND,
    merchant: `Pay to merchant app ${trade.app_id}`,
    subject: trade.subject,
    amount: `¥${trade.total_amount}`,
    order: trade.out_trade_no,
    status: expired && trade.trade_status !== 'TRADE_SUCCESS' ? 'Expired' : STATUS_TEXT[trade.trade_status],
    expires: `${trade.time_expire} (GMT+8)`,
    reference: trade.qr_code,
    labels: STATUS_TEXT,
    statusField: 'trade_status',
    cancel: true,
  });
}
