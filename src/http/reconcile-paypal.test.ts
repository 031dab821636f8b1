/** Reconciliation end to end against the PayPal simulator's transaction search (test-support/reconcile-suite.ts). */
import { storedCredentials } from '../test-support/flow.js';
import { reconciliationSuite } from '../test-support/reconcile-suite.js';

reconciliationSuite({
  provider: 'paypal', method: 'paypal', currency: 'USD', utcOffsetMinutes: 0, currencies: true, lostNotification: false,
  billAccount: async (gw, id) => (await storedCredentials<{ client_id: string }>(gw, id)).client_id,
  faults: { truncate: 'RECON.BILL_TRUNCATED', bad_amount: 'RECON.BILL_ROW_INVALID', bad_date: 'RECON.BILL_ROW_INVALID', no_bill: 'empty', totals: 'RECON.BILL_TOTALS_MISMATCH' },
});
