/** PayPal REST app credentials plus the id of the webhook registered for this account. */
import { PaygateError } from '../../domain/errors.js';
import { credentialObject } from '../common/credentials.js';

export interface PaypalCredentials {
  clientId: string;
  clientSecret: string;
  /** Part of the signed webhook message: a webhook registered for another app never verifies. */
  webhookId: string;
}

const FIELD = /^[\x21-\x7e]{1,256}$/;

export function parsePaypalCredentials(raw: unknown): PaypalCredentials {
  // Not an object at all: the message names the whole shape expected.
  const r = credentialObject(raw, () => new PaygateError('PROVIDER_ACCOUNT.INVALID_CREDENTIALS', 'paypal credentials must be an object {client_id, client_secret, webhook_id}'));
  const get = (key: string): string => {
    const v = r[key];
    if (typeof v !== 'string' || !FIELD.test(v)) {
      throw new PaygateError('PROVIDER_ACCOUNT.INVALID_CREDENTIALS', `paypal credentials: ${key} must be a non-empty printable string (from the PayPal developer dashboard)`, { field: `credentials.${key}` });
    }
    return v;
  };
  return { clientId: get('client_id'), clientSecret: get('client_secret'), webhookId: get('webhook_id') };
}
