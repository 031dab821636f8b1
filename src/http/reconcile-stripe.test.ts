/** Reconciliation end to end against the Stripe simulator's balance transactions (test-support/reconcile-suite.ts). */
import { storedCredentials } from '../test-support/flow.js';
import { reconciliationSuite } from '../test-support/reconcile-suite.js';

reconciliationSuite({
  provider: 'stripe', method: 'stripe', currency: 'USD', utcOffsetMinutes: 0, currencies: true, lostNotification: true,
  // The bill controls know the account by its acct_ id, which GET /v1/account tells.
  billAccount: async (gw, id) => {
    const { secret_key } = await storedCredentials<{ secret_key: string }>(gw, id);
    const res = await fetch(`${gw.url}/sandbox/stripe/v1/account`, { headers: { authorization: `Bearer ${secret_key}` } });
    return ((await res.json()) as { id: string }).id;
  },
  faults: { truncate: 'RECON.BILL_TRUNCATED', bad_amount: 'RECON.BILL_ROW_INVALID', bad_date: 'RECON.BILL_ROW_INVALID', no_bill: 'empty' },
});
