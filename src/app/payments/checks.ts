/**
 * What a create is refused for before it writes anything: a method this build lacks, a
 * currency or amount the provider would refuse (each connector declares its limits), a
 * return_url that is not safe to send a buyer to (domain/return-url.ts; http to loopback only
 * with a test key). A refused create leaves no payment, attempt or job behind.
 */
import type { Connector } from '../../connectors/types.js';
import { PaygateError, type ErrorCode } from '../../domain/errors.js';
import { returnUrlProblem } from '../../domain/return-url.js';
import { connectorFor, providerForMethod, type PaymentMethod } from '../connectors.js';
import type { KeyMode } from '../merchants.js';

export interface CreateChecked {
  amount: number;
  currency: string;
  method: PaymentMethod;
  return_url?: string | null | undefined;
}

export interface CapabilityProblem { code: ErrorCode; field: 'currency' | 'amount'; message: string }

/**
 * The one check of what a provider can charge: its currencies, then (when an amount is
 * given) the amount in that currency. Create refuses on it; routing rules use it to refuse
 * a currency condition that could never match.
 */
export function capabilityProblem(connector: Pick<Connector<unknown>, 'currencies' | 'amountProblem'>, method: string, currency: string, amount?: number): CapabilityProblem | undefined {
  if (!connector.currencies.includes(currency)) {
    return { code: 'VALIDATION.UNSUPPORTED_CURRENCY', field: 'currency', message: `${method} accepts ${connector.currencies.join(', ')}; got ${currency}` };
  }
  const problem = amount === undefined ? undefined : connector.amountProblem(amount, currency);
  return problem ? { code: 'VALIDATION.AMOUNT_NOT_REPRESENTABLE', field: 'amount', message: `${method}: ${problem}` } : undefined;
}

/** The provider serving the method, or a PaygateError naming the field to fix. */
export function refuseUnsendable(input: CreateChecked, keyMode: KeyMode): string {
  const provider = providerForMethod(input.method);
  const connector = connectorFor(provider);
  if (!connector) throw new PaygateError('PAYMENT.METHOD_UNAVAILABLE', `method ${input.method} is not available in this build yet`, { field: 'method' });
  const problem = capabilityProblem(connector, input.method, input.currency, input.amount);
  if (problem) throw new PaygateError(problem.code, problem.message, { field: problem.field });
  const urlProblem = input.return_url === null || input.return_url === undefined ? undefined : returnUrlProblem(input.return_url, { allowLoopbackHttp: keyMode === 'test' });
  if (urlProblem) throw new PaygateError('VALIDATION.RETURN_URL_INVALID', `return_url ${urlProblem}`, { field: 'return_url' });
  return provider;
}
