/**
 * Trust in a UnionPay message starts with the certificate it carries (signPubKeyCert): it
 * must be issued by the configured middle certificate, which must be issued by the
 * configured root, and all three must be valid at `now`. Only then is its key used.
 * Libraries that use the embedded key without this check accept any self-made certificate.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import type { UnionpayCredentials } from './credentials.js';

export type CertCheck =
  | { ok: true; key: KeyObject }
  | { ok: false; problem: 'untrusted' | 'expired'; message: string };

function within(cert: X509Certificate, now: Date): boolean {
  const t = now.getTime();
  return Date.parse(cert.validFrom) <= t && t <= Date.parse(cert.validTo);
}

export function checkSignerCert(pem: string, creds: UnionpayCredentials, now: Date): CertCheck {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return { ok: false, problem: 'untrusted', message: 'signPubKeyCert is not a PEM X.509 certificate' };
  }
  const { middleCert, rootCert } = creds;
  // checkIssued compares names/key ids; verify proves the issuer's key signed it. Both, so
  // a certificate that merely copies the middle certificate's subject is not enough.
  if (!cert.checkIssued(middleCert) || !cert.verify(middleCert.publicKey)) {
    const self = cert.checkIssued(cert) && cert.verify(cert.publicKey);
    return {
      ok: false,
      problem: 'untrusted',
      message: self
        ? `signPubKeyCert (serial ${cert.serialNumber}) is self-signed, not issued by the configured UnionPay middle certificate`
        : `signPubKeyCert (serial ${cert.serialNumber}, issuer ${cert.issuer.replace(/\n/g, ', ')}) is not issued by the configured middle_cert`,
    };
  }
  if (!middleCert.checkIssued(rootCert) || !middleCert.verify(rootCert.publicKey)) {
    return { ok: false, problem: 'untrusted', message: 'middle_cert is not issued by root_cert' };
  }
  for (const [name, c] of [['signPubKeyCert', cert], ['middle_cert', middleCert], ['root_cert', rootCert]] as const) {
    if (!within(c, now)) {
      return { ok: false, problem: 'expired', message: `${name} (serial ${c.serialNumber}) is valid ${c.validFrom} .. ${c.validTo}, not at ${now.toISOString()}` };
    }
  }
  if (cert.ca) return { ok: false, problem: 'untrusted', message: 'signPubKeyCert is a CA certificate, not a signing certificate' };
  return { ok: true, key: cert.publicKey };
}
