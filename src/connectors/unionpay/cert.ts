/**
 * Trust in a UnionPay message starts with the certificate it carries (signPubKeyCert): it
 * must be issued by the configured middle certificate, which must be issued by the
 * configured root, and all three must be valid at `now`. Libraries that use the embedded
 * key without this check accept any self-made certificate.
 *
 * Chain and validity are not enough: UnionPay's CA issues every merchant's signing
 * certificate from the same middle certificate, so any merchant could sign "UnionPay"
 * notifications with its own. The certificate must also be UnionPay's own, decided as the
 * official SDKs do (CertUtil.verifyCertificate / verifyAndGetVerifyCert, Java, PHP, .NET
 * 5.1.0): the subject CN, split on '@', has UnionPay's name as its third field. In the test
 * environment (SDK switch acpsdk.ifValidateCNName=false) UnionPay signs as 00040000:SIGN,
 * accepted there only. Only then is the key used.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import type { UnionpayCredentials } from './credentials.js';

export type CertCheck =
  | { ok: true; key: KeyObject }
  | { ok: false; problem: 'untrusted' | 'expired' | 'not_unionpay'; message: string };

/** The SDKs' UNIONPAY_CNNAME: the owner field of production signing certificates. */
export const UNIONPAY_CN_NAME = '中国银联股份有限公司';
/** The owner field of UnionPay's test-environment signing certificate (e.g. 041@Z12@00040000:SIGN@00000062). */
export const TEST_SIGNER_NAME = '00040000:SIGN';

/**
 * The SDKs' getIdentitiesFromCertficate: third '@' field of the subject CN, or undefined.
 * Stricter than the Java SDK's DN-string split in one way: a subject with several CN
 * attributes has no single owner and is refused rather than guessed at.
 */
export function certOwner(cert: X509Certificate): string | undefined {
  // toLegacyObject gives the attribute values unescaped (subject text escapes ',', '+' ...); several CNs come as an array.
  const cn: unknown = cert.toLegacyObject().subject?.CN;
  if (typeof cn !== 'string') return undefined;
  return cn.split('@')[2];
}

function ownerProblem(cert: X509Certificate, environment: UnionpayCredentials['environment']): string | undefined {
  const owner = certOwner(cert);
  if (owner === UNIONPAY_CN_NAME) return undefined;
  if (owner === TEST_SIGNER_NAME && environment === 'test') return undefined;
  const accepted = environment === 'test' ? `${UNIONPAY_CN_NAME} or ${TEST_SIGNER_NAME}` : UNIONPAY_CN_NAME;
  const found = owner === undefined ? `subject ${cert.subject.replace(/\n/g, ', ')} has no single CN with an owner field` : `its owner is ${JSON.stringify(owner)}`;
  const hint = owner === TEST_SIGNER_NAME ? '; that is the test environment\'s signer: set environment "test" in the credentials of a test-environment account' : '';
  return `signPubKeyCert (serial ${cert.serialNumber}) chains to the configured CA but is not UnionPay's signing certificate: ${found}, expected ${accepted}${hint}`;
}

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
  const notUnionpay = ownerProblem(cert, creds.environment);
  if (notUnionpay !== undefined) return { ok: false, problem: 'not_unionpay', message: notUnionpay };
  return { ok: true, key: cert.publicKey };
}
