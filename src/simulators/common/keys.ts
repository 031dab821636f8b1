/** Merchant key handling the simulators share: keys given at registration or made for the merchant, parsed once. */
import { createPublicKey, type KeyObject } from 'node:crypto';

/** The parsed public key per merchant, parsed again only when its PEM changed (re-registration). */
export class PublicKeyCache {
  private readonly keys = new Map<string, { pem: string; key: KeyObject }>();

  get(id: string, pem: string | undefined): KeyObject | undefined {
    if (pem === undefined) return undefined;
    const cached = this.keys.get(id);
    if (cached && cached.pem === pem) return cached.key;
    const key = createPublicKey(pem);
    this.keys.set(id, { pem, key });
    return key;
  }
}

export interface MerchantKeys {
  publicKeyPem: string;
  /** Only when the simulator made the pair: handed to the merchant once, never stored. */
  privateKeyPem?: string;
}

/**
 * The merchant's own public key when it brings one (normalised; one that does not parse is
 * the caller's input error, `inputError`), else a fresh pair from `generate`.
 */
export function merchantKeys(
  given: string | undefined,
  o: { normalize(pem: string): string; generate(): { publicKeyPem: string; privateKeyPem: string }; inputError(message: string): Error },
): MerchantKeys {
  if (given === undefined) return o.generate();
  try {
    return { publicKeyPem: o.normalize(given) };
  } catch (err) {
    throw o.inputError(err instanceof Error ? err.message : String(err));
  }
}
