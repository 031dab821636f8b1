/** Reconciliation end to end against the UnionPay simulator's ZM file (test-support/reconcile-suite.ts). */
import { storedCredentials } from '../test-support/flow.js';
import { reconciliationSuite } from '../test-support/reconcile-suite.js';

reconciliationSuite({
  provider: 'unionpay', method: 'unionpay_qr', currency: 'CNY', utcOffsetMinutes: 480, currencies: false, lostNotification: true,
  billAccount: async (gw, id) => (await storedCredentials<{ mer_id: string }>(gw, id)).mer_id,
  // oversize is left to src/connectors/unionpay/bill-source.test.ts: the simulator pads the inline file past 1 GiB.
  faults: {
    truncate: 'RECON.BILL_TRUNCATED', hash_mismatch: 'RECON.BILL_HASH_MISMATCH', encoding: 'RECON.BILL_ENCODING', bad_amount: 'RECON.BILL_ROW_INVALID',
    bad_date: 'RECON.BILL_ROW_INVALID', header_changed: 'RECON.BILL_HEADER_CHANGED', no_bill: 'empty',
  },
});
