/**
 * What the contract suite (contract.test.ts) needs to know about one provider beyond the
 * port itself: an order it can take, what its create hands the buyer, what a closed unpaid
 * order looks like to a query, and how a notification is forged (a signature that is not
 * the provider's). Everything else — the simulator, the HTTP transport, the buyer's
 * payment, notification capture — is the same for all five, so every connector meets the
 * same scenarios. Pure data and functions over wire values: no I/O here.
 */
import { randomBytes } from 'node:crypto';
import type { Connector, InboundNotification, ProviderName, ProviderPaymentStatus } from '../types.js';

export interface ContractAdapter<C = unknown> {
  readonly provider: ProviderName;
  readonly connector: Connector<C>;
  readonly currency: string;
  /** Minor units; the refund is a part of it, so a partial refund is exercised. */
  readonly amount: number;
  readonly refundAmount: number;
  /** What create must answer with for the buyer: a QR code to scan or a page to visit. */
  readonly handoff: 'qrCode' | 'redirectUrl';
  /** What a query reports for an order closed before the buyer paid (Alipay: no trade ever existed). */
  readonly closedStatus: ProviderPaymentStatus;
  /** Whether the provider refuses the buyer once the order is closed (Alipay: a never-scanned QR stays scannable until time_expire). */
  readonly closeStopsPayment: boolean;
  /** The notification with its signature replaced by one the provider never made. */
  forge(inbound: InboundNotification): InboundNotification;
}

/** Random bytes as a signature: the right shape, signed by nobody. */
export const bogusSignature = (bytes = 256): string => randomBytes(bytes).toString('base64');

/** A form body with one field's value replaced (kept in place, so only the value differs). */
export function withFormField(inbound: InboundNotification, key: string, value: string): InboundNotification {
  const form = new URLSearchParams(inbound.rawBody);
  if (!form.has(key)) throw new Error(`the notification has no ${key} field to forge`);
  form.set(key, value);
  return { ...inbound, rawBody: form.toString() };
}

/** The notification with one header replaced (header names are lower case, as Node delivers them). */
export function withHeader(inbound: InboundNotification, name: string, value: (old: string) => string): InboundNotification {
  const old = inbound.headers[name];
  if (typeof old !== 'string') throw new Error(`the notification has no ${name} header to forge`);
  return { ...inbound, headers: { ...inbound.headers, [name]: value(old) } };
}

/**
 * The same notification with its bytes changed and its signature kept: a space after the
 * opening brace of a JSON body (the same document to a parser, other bytes to a signature),
 * one field more in a form body. A verifier that checks what it parsed rather than what was
 * signed would accept it.
 */
export function tampered(inbound: InboundNotification): InboundNotification {
  const raw = inbound.rawBody;
  if (raw.trimStart().startsWith('{')) return { ...inbound, rawBody: raw.replace('{', '{ ') };
  return { ...inbound, rawBody: `${raw}&tampered=1` };
}
