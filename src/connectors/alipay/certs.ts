/**
 * Certificate mode (公钥证书模式) credentials: the app certificate (appCertPublicKey_<app_id>.crt),
 * one or more Alipay public certificates (alipayCertPublicKey_RSA2.crt: leaf, then the CA that
 * issued it) and Alipay's root bundle (alipayRootCert.crt). Parsed once: SNs computed, every
 * Alipay certificate chained to the root, keys extracted, validity windows kept for the
 * checks at verification time (this layer has no clock of its own).
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { PaygateError } from '../../domain/errors.js';
import { invalidCredential } from '../common/credentials.js';
import { certFacts, certSn, rootCertSn, type CertFacts } from './cert-sn.js';

const LABEL = 'Alipay';

export interface AlipayPublicCert {
  readonly sn: string;
  readonly key: KeyObject;
  /** Validity of the whole chain (leaf, intermediates, root), epoch ms. */
  readonly notBefore: number;
  readonly notAfter: number;
}

export interface CertModeMaterial {
  readonly appCertSn: string;
  readonly rootCertSn: string;
  /** By alipay_cert_sn; several during a rotation (old and new). */
  readonly alipayCerts: ReadonlyMap<string, AlipayPublicCert>;
}

interface Parsed {
  x509: X509Certificate;
  facts: CertFacts;
}

const invalid = (field: string, message: string): PaygateError => invalidCredential(LABEL, field, message);

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM file, in file order; anything else in the text is refused. */
function readPemFile(field: string, text: unknown): Parsed[] {
  if (typeof text !== 'string' || text.trim() === '') throw invalid(field, 'is required and must be the PEM text of the certificate file');
  const normalised = text.replace(/\\n/g, '\n').replace(/\r\n/g, '\n');
  const blocks = normalised.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) throw invalid(field, 'holds no "BEGIN CERTIFICATE" block; paste the .crt file downloaded from the Alipay console');
  // A private key or a bare public key pasted next to a certificate is a mistake worth naming.
  if (normalised.replace(CERT_BLOCK, '').trim() !== '') throw invalid(field, 'holds text outside its certificate blocks; paste only the .crt file');
  return blocks.map((pem, i) => {
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(pem);
    } catch {
      throw invalid(field, `certificate ${i + 1} is not a valid X.509 certificate`);
    }
    try {
      return { x509, facts: certFacts(x509.raw) };
    } catch (err) {
      throw invalid(field, `certificate ${i + 1}: ${(err as Error).message}`);
    }
  });
}

function snOf(field: string, cert: Parsed): string {
  try {
    return certSn(cert.facts);
  } catch (err) {
    throw invalid(field, `has no computable SN: ${(err as Error).message}`);
  }
}

function rsaKey(field: string, cert: X509Certificate): KeyObject {
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'rsa') throw invalid(field, `must certify an RSA key for RSA2, got ${key.asymmetricKeyType ?? 'unknown'}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) throw invalid(field, `must certify an RSA key of at least 2048 bits, got ${bits}`);
  return key;
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    // SM2 roots in Alipay's bundle have keys node:crypto cannot verify with: not this issuer.
    return false;
  }
}

/** leaf → intermediates (from the same file) → a root of the bundle, or undefined. */
function chainToRoot(leaf: X509Certificate, intermediates: X509Certificate[], roots: X509Certificate[]): X509Certificate[] | undefined {
  const path = [leaf];
  for (let depth = 0; depth < 4; depth++) {
    const current = path[path.length - 1] as X509Certificate;
    const root = roots.find((r) => issuedBy(current, r));
    if (root) return [...path, root];
    const next = intermediates.find((c) => c.ca && !path.includes(c) && issuedBy(current, c));
    if (!next) return undefined;
    path.push(next);
  }
  return undefined;
}

function validity(field: string, chain: X509Certificate[]): { notBefore: number; notAfter: number } {
  let notBefore = -Infinity;
  let notAfter = Infinity;
  for (const c of chain) {
    const from = Date.parse(c.validFrom);
    const to = Date.parse(c.validTo);
    if (Number.isNaN(from) || Number.isNaN(to)) throw invalid(field, 'has a certificate with an unreadable validity period');
    notBefore = Math.max(notBefore, from);
    notAfter = Math.min(notAfter, to);
  }
  return { notBefore, notAfter };
}

function spki(key: KeyObject): Buffer {
  return (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });
}

export function parseCertMode(record: Record<string, unknown>, privateKey: KeyObject): CertModeMaterial {
  const own = spki(privateKey);

  const [app] = readPemFile('app_cert', record.app_cert);
  if (!app) throw invalid('app_cert', 'holds no certificate');
  if (!spki(rsaKey('app_cert', app.x509)).equals(own)) {
    throw invalid('app_cert', 'does not certify the public key of private_key; paste appCertPublicKey_<app_id>.crt issued for this private key');
  }

  const roots = readPemFile('alipay_root_cert', record.alipay_root_cert);
  for (const r of roots) if (!r.x509.ca) throw invalid('alipay_root_cert', 'holds a certificate that is not a CA; paste alipayRootCert.crt');
  let rootSn: string;
  try {
    rootSn = rootCertSn(roots.map((r) => r.facts));
  } catch (err) {
    throw invalid('alipay_root_cert', `has an RSA root with no computable SN: ${(err as Error).message}`);
  }
  if (rootSn === '') throw invalid('alipay_root_cert', 'holds no RSA-signed root certificate; paste alipayRootCert.crt');

  const files = Array.isArray(record.alipay_public_cert) ? (record.alipay_public_cert as unknown[]) : [record.alipay_public_cert];
  if (files.length === 0 || files.length > 8) throw invalid('alipay_public_cert', 'must be one certificate file, or a list of 1..8 (old and new during a rotation)');
  const alipayCerts = new Map<string, AlipayPublicCert>();
  files.forEach((file, i) => {
    const field = files.length === 1 ? 'alipay_public_cert' : `alipay_public_cert[${i}]`;
    const [leaf, ...rest] = readPemFile(field, file);
    if (!leaf) throw invalid(field, 'holds no certificate');
    if (leaf.x509.ca) throw invalid(field, 'starts with a CA certificate; paste alipayCertPublicKey_RSA2.crt (the Alipay public certificate), not a root');
    const key = rsaKey(field, leaf.x509);
    if (spki(key).equals(own)) throw invalid(field, 'is the app certificate; paste the ALIPAY public certificate (alipayCertPublicKey_RSA2.crt)');
    const chain = chainToRoot(leaf.x509, rest.map((c) => c.x509), roots.map((r) => r.x509));
    if (!chain) {
      throw invalid(field, 'does not chain to alipay_root_cert; paste alipayCertPublicKey_RSA2.crt and alipayRootCert.crt of the same environment (production or sandbox)');
    }
    const sn = snOf(field, leaf);
    if (alipayCerts.has(sn)) throw invalid(field, `repeats the certificate with SN ${sn}`);
    alipayCerts.set(sn, Object.freeze({ sn, key, ...validity(field, chain) }));
  });
  return Object.freeze({ appCertSn: snOf('app_cert', app), rootCertSn: rootSn, alipayCerts });
}

export type KeyChoice =
  | { ok: true; keys: KeyObject[] }
  | { ok: false; reason: 'unknown' | 'expired'; message: string };

const ROTATION_HINT =
  'Alipay has rotated its certificate: add the new alipayCertPublicKey_RSA2.crt (Alipay console, 接口加签方式 → 支付宝公钥证书) to alipay_public_cert as a list, keeping the old one while answers still name it';

/**
 * The keys that may have signed an answer naming `sn` (alipay_cert_sn) at `now`. Without an
 * SN every configured certificate valid now qualifies: each is one the merchant trusts.
 */
export function alipayKeysFor(material: CertModeMaterial, sn: string | undefined, now: Date): KeyChoice {
  const at = now.getTime();
  const valid = (c: AlipayPublicCert) => at >= c.notBefore && at <= c.notAfter;
  if (sn !== undefined) {
    const cert = material.alipayCerts.get(sn);
    if (!cert) {
      const known = [...material.alipayCerts.keys()].join(', ');
      return { ok: false, reason: 'unknown', message: `alipay_cert_sn ${sn} is not configured (known: ${known}); ${ROTATION_HINT}` };
    }
    if (!valid(cert)) {
      return { ok: false, reason: 'expired', message: `Alipay public certificate ${sn} (or its chain) is not valid at ${now.toISOString()}; replace it in alipay_public_cert` };
    }
    return { ok: true, keys: [cert.key] };
  }
  const keys = [...material.alipayCerts.values()].filter(valid).map((c) => c.key);
  if (keys.length === 0) {
    return { ok: false, reason: 'expired', message: `no configured Alipay public certificate is valid at ${now.toISOString()}; ${ROTATION_HINT}` };
  }
  return { ok: true, keys };
}
