/**
 * Sandbox conveniences over the payments on sandbox accounts: the ones waiting for a buyer
 * (the /sandbox index lists them with their wallet page), and playing the buyer of one at
 * the simulator its account points at — the account's own base_url, so it works for mounted
 * and standalone simulators alike. Live accounts are refused: this never reaches a real provider.
 */
import { PaygateError } from '../domain/errors.js';
import { latestAttemptWithAccount, openSandboxAttempts } from '../infra/db/repos/attempts.js';
import type { AppContext } from './context.js';

export interface OpenSandboxPayment {
  id: string; provider: string; amount: number; currency: string;
  /** The simulator page a buyer opens to pay (QR wallet page or checkout), when known. */
  walletUrl: string | null;
}

/** The page a buyer opens for this attempt: the QR wallet page or the checkout (WeChat's weixin:// code maps to the simulator's /pay/{token}). */
export function walletUrl(a: { qr_code: string | null; redirect_url: string | null; base_url: string }): string | null {
  if (a.qr_code && /^https?:\/\//.test(a.qr_code)) return a.qr_code;
  const wx = a.qr_code ? /^weixin:\/\/wxpay\/bizpayurl\?pr=([\w-]+)$/.exec(a.qr_code) : null;
  if (wx) return `${a.base_url}/pay/${wx[1]}`;
  return a.redirect_url && /^https?:\/\//.test(a.redirect_url) ? a.redirect_url : null;
}

/** Up to 20 sandbox payments waiting for a buyer, newest first. */
export async function openSandboxPayments(ctx: AppContext): Promise<OpenSandboxPayment[]> {
  const rows = await openSandboxAttempts(ctx.db, 50);
  const seen = new Set<string>();
  const out: OpenSandboxPayment[] = [];
  for (const r of rows) {
    // Only the latest attempt of a payment is the one a buyer can still pay.
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push({ id: r.id, provider: r.provider, amount: r.amount, currency: r.currency, walletUrl: walletUrl(r) });
  }
  return out.slice(0, 20);
}

/** Pays (or fails) the payment at its sandbox simulator as a buyer would; returns the simulator's JSON answer as text. */
export async function playSandboxBuyer(ctx: AppContext, paymentId: string, outcome: 'success' | 'fail'): Promise<string> {
  const row = await latestAttemptWithAccount(ctx.db, paymentId);
  if (!row) throw new PaygateError('PAYMENT.NOT_FOUND', `no payment ${paymentId} (or it has no attempt at a provider yet)`, { field: 'id' });
  if (row.mode !== 'sandbox') throw new PaygateError('PAYMENT.STATE_FORBIDS_ACTION', `payment ${paymentId} is on a live ${row.provider} account; only sandbox payments can be paid here`);
  let res: Response;
  try {
    res = await fetch(`${row.base_url}/_payer/pay`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      // The QR content or approval URL is what a buyer has in hand; every simulator accepts it.
      body: JSON.stringify({ reference: row.qr_code ?? row.redirect_url ?? row.provider_reference, outcome }),
      signal: AbortSignal.timeout(ctx.config.PAYGATE_PROVIDER_TIMEOUT_MS),
    });
  } catch (err) {
    throw new PaygateError('CONNECTOR.UNAVAILABLE', `the ${row.provider} simulator at ${row.base_url} did not answer (${(err as Error).name}); is it running?`, { cause: err });
  }
  const text = await res.text();
  if (!res.ok) throw new PaygateError('CONNECTOR.REJECTED', `the ${row.provider} simulator answered ${res.status}: ${text.slice(0, 500)}`);
  return text;
}
