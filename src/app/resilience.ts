/**
 * Per provider account resilience (cockatiel 3): circuit breaker, timeout, retry, bulkhead.
 * INTERFACE ONLY — being implemented (issue 6). Routing asks isCircuitOpen before choosing
 * an account; the health endpoint reports accountHealth.
 */
import type { AppContext } from './context.js';

export type BreakerState = 'closed' | 'open' | 'half_open' | 'isolated';

/** True when the account's breaker refuses calls right now (routing skips such accounts). */
export function isCircuitOpen(_ctx: AppContext, _accountId: string): boolean {
  return false;
}
