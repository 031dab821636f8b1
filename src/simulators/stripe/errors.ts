// Stripe's error contract: HTTP status + {error:{type, code, decline_code, message, param}}.
import type { SimContext } from './context.js';
import type { StripeObject } from './store.js';

export type ErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly extra: { code?: string; param?: string; decline_code?: string } = {},
  ) {
    super(message);
  }

  body(): { error: Record<string, string> } {
    return { error: { type: this.type, message: this.message, ...this.extra } };
  }
}

export const missing = (kind: string, id: string) => new ApiError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, { code: 'resource_missing', param: 'id' });
export const invalid = (message: string, param?: string, code?: string) =>
  new ApiError(400, 'invalid_request_error', message, { ...(param ? { param } : {}), ...(code ? { code } : {}) });

/** Loads an object of `type` owned by the account, or Stripe's 404. */
export function load(sim: SimContext, accountId: string, type: string, id: string): StripeObject {
  const found = sim.store.get(id);
  if (!found || found.accountId !== accountId || found.object.object !== type) throw missing(type.replace('.', '_'), id);
  return found.object;
}
