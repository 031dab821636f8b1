/**
 * Credential errors. parseCredentials runs when an operator saves an account (and when a
 * stored one is loaded), never inside build(): a bad credential is refused at the door with
 * the field it names, and build() only ever sees credentials that parsed.
 */
import { PaygateError } from '../../domain/errors.js';
import { isObject } from './json.js';

/** `<label> credentials: <field> <message>`, with the field for the API's error body. */
export function invalidCredential(label: string, field: string, message: string): PaygateError {
  return new PaygateError('PROVIDER_ACCOUNT.INVALID_CREDENTIALS', `${label} credentials: ${field} ${message}`, { field });
}

/** A required non-blank string field, returned as given (callers trim where the provider does). */
export function requiredString(label: string, raw: Readonly<Record<string, unknown>>, field: string): string {
  const value = raw[field];
  if (typeof value !== 'string' || value.trim() === '') throw invalidCredential(label, field, 'is required and must be a non-empty string');
  return value;
}

/** The raw credentials as an object, or the error naming the shape expected. */
export function credentialObject(raw: unknown, onBad: () => PaygateError): Readonly<Record<string, unknown>> {
  if (!isObject(raw)) throw onBad();
  return raw;
}
