/** Reconciliation end to end against the Alipay simulator's trade bill (test-support/reconcile-suite.ts). */
import { storedCredentials } from '../test-support/flow.js';
import { reconciliationSuite } from '../test-support/reconcile-suite.js';

reconciliationSuite({
  provider: 'alipay', method: 'alipay_qr', currency: 'CNY', utcOffsetMinutes: 480, currencies: false, lostNotification: true,
  billAccount: async (gw, id) => (await storedCredentials<{ app_id: string }>(gw, id)).app_id,
  env: { PAYGATE_RECON_MAX_BILL_BYTES: String(1024 * 1024) },
  faults: {
    truncate: 'RECON.BILL_TRUNCATED', encoding: 'RECON.BILL_ENCODING', bad_amount: 'RECON.BILL_ROW_INVALID', bad_date: 'RECON.BILL_ROW_INVALID',
    header_changed: 'RECON.BILL_HEADER_CHANGED', url_expired: 'RECON.BILL_URL_EXPIRED', no_bill: 'empty', oversize: 'RECON.BILL_TOO_LARGE', totals: 'RECON.BILL_TOTALS_MISMATCH',
  },
});
