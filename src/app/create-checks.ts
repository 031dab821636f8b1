/**
 * What a create is refused for before it writes anything: a method this build lacks, a
 * currency or amount the provider would refuse (each connector declares its limits), a
 * return_url that is not safe to send a buyer to (domain/return-url.ts; http to loopback only
 * with a test key). A refused create leaves no payment, attempt or job behind.
 */
import { PaygateError } from '../domain/errors.js';
import { returnUrlProblem } from '../domain/return-url.js';
import { connectorFor, providerForMethod, type PaymentMethod } from './connectors.js';
import type { KeyMode } from './merchants.js';

export interface CreateChecked {
  amount: number;
  currency: string;
  method: PaymentMethod;
  return_url?: string | null | undefined;
}

/** The provider serving the method, or a PaygateError naming the field to fix. */
export function refuseUnsendable(input: CreateChecked, keyMode: KeyMode): string {
  const provider = providerForMethod(input.method);
  const connector = connectorFor(provider);
  if (!connector) throw new PaygateError('PAYMENT.METHOD_UNAVAILABLE', `method ${input.method} is not available in this build yet`, { field: 'method' });
  if (!connector.currencies.includes(input.currency)) {
    throw new PaygateError('VALIDATION.UNSUPPORTED_CURRENCY', `${input.method} accepts ${connector.currencies.join(', ')}; got ${input.currency}`, { field: 'currency' });
  }
  const amountProblem = connector.amountProblem(input.amount, input.currency);
  if (amountProblem) throw new PaygateError('VALIDATION.AMOUNT_NOT_REPRESENTABLE', `${input.method}: ${amountProblem}`, { field: 'amount' });
  const urlProblem = input.return_url === null || input.return_url === undefined ? undefined : returnUrlProblem(input.return_url, { allowLoopbackHttp: keyMode === 'test' });
  if (urlProblem) throw new PaygateError('VALIDATION.RETURN_URL_INVALID', `return_url ${urlProblem}`, { field: 'return_url' });
  return provider;
}
