/**
 * Test and live kept apart. An API key has a mode (sk_test_ / sk_live_, api_keys.mode) and
 * so has every provider account (sandbox | live): a test key only ever reaches sandbox
 * accounts, a live key only live ones. Routing enforces it for new attempts (routing.ts);
 * here is the rule for everything a key does to an existing payment, whose mode is the mode
 * of the account its attempts went to (all attempts of a payment share one, since routing
 * only offers accounts of the creating key's mode). A payment no account has seen yet has
 * no mode: nothing of either mode has been reached through it.
 */
import { PaygateError } from '../domain/errors.js';
import type { DbOrTx } from '../infra/db/index.js';
import { latestAttemptAccountMode } from '../infra/db/repos/attempts.js';
import type { AppContext } from './context.js';
import { accountRow } from './accounts.js';
import type { KeyMode } from './merchants.js';

export type AccountMode = 'sandbox' | 'live';

export const accountModeOf = (key: KeyMode): AccountMode => (key === 'live' ? 'live' : 'sandbox');

/**
 * Whether each named account is live (true) or sandbox (false). Through the config cache:
 * an account's mode never changes, and every payment read asks, so a query each time would
 * be a statement per read for nothing.
 */
export async function liveAccounts(ctx: AppContext, accountIds: readonly string[], db: DbOrTx = ctx.db): Promise<Map<string, boolean>> {
  const live = new Map<string, boolean>();
  for (const id of new Set(accountIds)) {
    // Inside a transaction, through it (accountRow says why).
    const row = await accountRow(ctx, id, db);
    if (row) live.set(id, row.mode === 'live');
  }
  return live;
}

/** livemode of a payment from its latest attempt's account; null before any attempt. */
export function livemodeOf(attempts: ReadonlyArray<{ provider_account_id: string }>, live: ReadonlyMap<string, boolean>): boolean | null {
  const current = attempts[attempts.length - 1];
  return current ? (live.get(current.provider_account_id) ?? null) : null;
}

/** The mode of this merchant's payment, or undefined when it has no attempt (or does not exist). */
export async function paymentMode(db: DbOrTx, merchantId: string, paymentId: string): Promise<KeyMode | undefined> {
  const mode = await latestAttemptAccountMode(db, merchantId, paymentId);
  if (mode === undefined) return undefined;
  return mode === 'live' ? 'live' : 'test';
}

/** Refuses a key acting (refresh, cancel, refund, repeat create) on a payment of the other mode. */
export async function assertPaymentMode(ctx: AppContext, merchantId: string, paymentId: string, keyMode: KeyMode, field?: string): Promise<void> {
  const mode = await paymentMode(ctx.db, merchantId, paymentId);
  if (mode !== undefined && mode !== keyMode) {
    throw new PaygateError('PAYMENT.MODE_MISMATCH', `payment ${paymentId} was made in ${mode} mode (on ${accountModeOf(mode)} accounts); a ${keyMode} key cannot act on it`, { ...(field ? { field } : {}), details: { payment_id: paymentId } });
  }
}
