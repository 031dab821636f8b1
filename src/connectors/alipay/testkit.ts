/** Test support for the Alipay connector's tests (not built into dist: tsconfig.build.json excludes testkit.ts). */
import { expect } from 'vitest';
import { PaygateError } from '../../domain/errors.js';
import { alipayConnector } from './index.js';

/** The error parseCredentials refuses `raw` with, after checking it is the merchant-facing INVALID_CREDENTIALS. */
export function rejection(raw: unknown): PaygateError {
  try {
    alipayConnector.parseCredentials(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(PaygateError);
    expect((err as PaygateError).code).toBe('PROVIDER_ACCOUNT.INVALID_CREDENTIALS');
    return err as PaygateError;
  }
  throw new Error('parseCredentials accepted invalid credentials');
}
