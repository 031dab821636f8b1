/**
 * UnionPay account credentials: the merchant signing certificate as a password-protected
 * PFX, plus the UnionPay middle and root certificates that every certificate UnionPay signs
 * with (signPubKeyCert) must chain to. Everything is parsed once, here, into KeyObjects and
 * X509Certificates so signing and verifying never re-read PEM or PKCS#12.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { PaygateError } from '../../domain/errors.js';
import { credentialObject, invalidCredential, requiredString as commonRequiredString } from '../common/credentials.js';

const LABEL = 'UnionPay';

export interface UnionpayCredentials {
  readonly merId: string;
  /** The merchant signing key from the PFX. */
  readonly signKey: KeyObject;
  /** Decimal serial number of the merchant signing certificate: the request's certId. */
  readonly certId: string;
  readonly rootCert: X509Certificate;
  readonly middleCert: X509Certificate;
  /**
   * Which UnionPay signer to believe (cert.ts). 'production' (the default, like the SDKs'
   * ifValidateCNName=true): only 中国银联股份有限公司. 'test' (UnionPay's test environment
   * and the sandbox simulator; ifValidateCNName=false): also 00040000:SIGN.
   */
  readonly environment: 'production' | 'test';
}

// ACP merchant numbers are 15 digits; sandbox and acquirer-issued ids stay alphanumeric.
const MER_ID = /^[0-9A-Za-z]{1,32}$/;

const invalid = (field: string, message: string): PaygateError => invalidCredential(LABEL, field, message);

const requiredString = (raw: Readonly<Record<string, unknown>>, field: string): string => commonRequiredString(LABEL, raw, field);

function parseCaCert(field: string, pem: string): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem.replace(/\\n/g, '\n').trim());
  } catch {
    throw invalid(field, 'is not a PEM X.509 certificate');
  }
  // A leaf pasted where a CA belongs would make every signPubKeyCert check fail later.
  if (!cert.ca) throw invalid(field, 'is not a CA certificate (basicConstraints CA:TRUE missing)');
  return cert;
}

interface PfxContent {
  keyPem: string;
  serialHex: string;
}

/** node-forge reads the legacy PKCS#12 encryptions (3DES, RC2) UnionPay's PFX files use. */
function openPfx(base64: string, password: string): PfxContent {
  const compact = base64.replace(/\s+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw invalid('sign_cert_pfx', 'must be the PFX file as base64');
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const der = forge.util.decode64(compact);
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), password);
  } catch {
    throw invalid('sign_cert_pfx', 'cannot be opened: not a PKCS#12 file, or sign_cert_password is wrong');
  }
  const bags = (type: string): forge.pkcs12.Bag[] => p12.getBags({ bagType: type })[type] ?? [];
  const keyBags = [...bags(forge.pki.oids.pkcs8ShroudedKeyBag ?? ''), ...bags(forge.pki.oids.keyBag ?? '')];
  const certBags = bags(forge.pki.oids.certBag ?? '');
  const key = keyBags[0]?.key;
  if (!key) throw invalid('sign_cert_pfx', 'holds no private key');
  // The PFX may carry the chain too; the signing certificate is the one matching the key.
  const rsaKey = key as forge.pki.rsa.PrivateKey;
  const cert = certBags
    .map((b: forge.pkcs12.Bag) => b.cert)
    .find((c: forge.pki.Certificate | undefined): c is forge.pki.Certificate => c !== undefined && (c.publicKey as forge.pki.rsa.PublicKey).n.equals(rsaKey.n));
  if (!cert) throw invalid('sign_cert_pfx', 'holds no certificate for its private key');
  return { keyPem: forge.pki.privateKeyToPem(rsaKey), serialHex: cert.serialNumber };
}

function parseEnvironment(value: unknown): UnionpayCredentials['environment'] {
  // Absent means production, so an account never becomes lenient by leaving a field out.
  if (value === undefined) return 'production';
  if (value === 'production' || value === 'test') return value;
  throw invalid('environment', 'must be "production" (UnionPay production, the default) or "test" (gateway.test.95516.com and the sandbox)');
}

export function parseUnionpayCredentials(raw: unknown): UnionpayCredentials {
  // Not an object at all: the message names the whole shape expected.
  const record = credentialObject(raw, () => new PaygateError('PROVIDER_ACCOUNT.INVALID_CREDENTIALS', 'unionpay credentials must be an object {mer_id, sign_cert_pfx, sign_cert_password, root_cert, middle_cert, environment?}'));
  const merId = requiredString(record, 'mer_id').trim();
  if (!MER_ID.test(merId)) throw invalid('mer_id', 'must be 1..32 letters or digits (ACP merId)');
  const password = record.sign_cert_password;
  if (typeof password !== 'string') throw invalid('sign_cert_password', 'is required (may be empty only if the PFX has no password)');
  const pfx = openPfx(requiredString(record, 'sign_cert_pfx'), password);
  const signKey = createPrivateKey(pfx.keyPem);
  if (signKey.asymmetricKeyType !== 'rsa' || (signKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw invalid('sign_cert_pfx', 'must hold an RSA key of at least 2048 bits');
  }
  const rootCert = parseCaCert('root_cert', requiredString(record, 'root_cert'));
  const middleCert = parseCaCert('middle_cert', requiredString(record, 'middle_cert'));
  if (!middleCert.checkIssued(rootCert) || !middleCert.verify(rootCert.publicKey)) {
    throw invalid('middle_cert', 'is not issued by root_cert; paste the UnionPay middle and root certificates of the same environment');
  }
  const environment = parseEnvironment(record.environment);
  return Object.freeze({ merId, signKey, certId: BigInt(`0x${pfx.serialHex}`).toString(10), rootCert, middleCert, environment });
}
