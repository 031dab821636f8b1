// The simulator's certificate authority: root → middle → UnionPay signing certificate,
// generated at first start and kept in the data dir (unionpay-ca.json), plus merchant
// signing certificates issued by the same middle CA and handed out as password PFX files.
// Keys come from node:crypto (fast, native); node-forge builds the X.509 and PKCS#12.
import { createPrivateKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { positiveSerialHex, rsaPemPair } from '../common/certs.js';

export interface CaFile {
  rootPem: string;
  middlePem: string;
  middleKeyPem: string;
  signCertPem: string;
  signKeyPem: string;
}

export interface Ca extends CaFile {
  signKey: KeyObject;
}

const YEAR_MS = 365 * 24 * 3600_000;

/** Positive 64-bit serial, so its decimal form, the certId, is unambiguous. */
const serialHex = (): string => positiveSerialHex(8);

export interface IssueOptions {
  cn: string;
  publicKeyPem: string;
  issuer?: { cert: forge.pki.Certificate; keyPem: string };
  ca: boolean;
  notBefore?: Date;
  notAfter?: Date;
}

export function issue(o: IssueOptions, selfKeyPem?: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(o.publicKeyPem);
  cert.serialNumber = serialHex();
  cert.validity.notBefore = o.notBefore ?? new Date(Date.now() - 24 * 3600_000);
  cert.validity.notAfter = o.notAfter ?? new Date(Date.now() + 5 * YEAR_MS);
  // UTF8String: forge defaults to PrintableString, which cannot carry the Chinese CN UnionPay
  // uses. forge UTF-8-encodes a UTF8String value itself, so the JS string goes in as is.
  const utf8 = forge.asn1.Type.UTF8 as number;
  const subject = [
    { name: 'commonName', value: o.cn, valueTagClass: utf8 },
    { name: 'organizationName', value: 'China UnionPay Sandbox', valueTagClass: utf8 },
    { name: 'countryName', value: 'CN' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(o.issuer ? o.issuer.cert.subject.attributes : subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: o.ca, critical: true },
    { name: 'keyUsage', critical: true, ...(o.ca ? { keyCertSign: true, cRLSign: true } : { digitalSignature: true, nonRepudiation: true }) },
    { name: 'subjectKeyIdentifier' },
  ]);
  const signer = o.issuer?.keyPem ?? selfKeyPem;
  if (signer === undefined) throw new Error('a self-signed certificate needs its own key');
  cert.sign(forge.pki.privateKeyFromPem(signer) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return cert;
}

/**
 * The sandbox signs as UnionPay's test environment does: CN `<n>@<id>@<owner>@<n>` with
 * owner 00040000:SIGN (the shape of the real test certificate, 041@Z12@00040000:SIGN@00000062).
 * The official SDKs, and Paygate, take the third '@' field as the owner and accept this one
 * only with ifValidateCNName=false (credentials environment "test").
 */
export const SANDBOX_SIGNER_CN = '041@Z12@00040000:SIGN@00000001';

/** Merchants' certificates come from the same middle CA, with the merchant as owner: never UnionPay's signer. */
export function merchantCn(merId: string): string {
  return `041@Z${merId}@Sandbox merchant ${merId}@00000001`;
}

function issueSignCert(middlePem: string, middleKeyPem: string): { signCertPem: string; signKeyPem: string } {
  const sign = rsaPemPair();
  const signCert = issue({ cn: SANDBOX_SIGNER_CN, publicKeyPem: sign.publicKeyPem, ca: false, issuer: { cert: forge.pki.certificateFromPem(middlePem), keyPem: middleKeyPem } });
  return { signCertPem: forge.pki.certificateToPem(signCert), signKeyPem: sign.privateKeyPem };
}

function createCa(): CaFile {
  const root = rsaPemPair();
  const rootCert = issue({ cn: 'UnionPay Sandbox Root', publicKeyPem: root.publicKeyPem, ca: true, notAfter: new Date(Date.now() + 20 * YEAR_MS) }, root.privateKeyPem);
  const middle = rsaPemPair();
  const middleCert = issue({ cn: 'UnionPay Sandbox Middle', publicKeyPem: middle.publicKeyPem, ca: true, issuer: { cert: rootCert, keyPem: root.privateKeyPem }, notAfter: new Date(Date.now() + 10 * YEAR_MS) });
  const middlePem = forge.pki.certificateToPem(middleCert);
  return { rootPem: forge.pki.certificateToPem(rootCert), middlePem, middleKeyPem: middle.privateKeyPem, ...issueSignCert(middlePem, middle.privateKeyPem) };
}

function writeCa(dataDir: string, file: string, ca: CaFile): void {
  mkdirSync(dataDir, { recursive: true });
  // Write-then-rename: a crash mid-write must not leave a half CA that the next start trusts.
  writeFileSync(`${file}.tmp`, JSON.stringify(ca), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** Signing certificates of earlier versions carried a CN without the owner field (and mis-encoded). */
function hasSandboxSignerCn(signCertPem: string): boolean {
  return new X509Certificate(signCertPem).toLegacyObject().subject?.CN === SANDBOX_SIGNER_CN;
}

export function loadOrCreateCa(dataDir: string | undefined): Ca {
  const file = dataDir === undefined ? undefined : join(dataDir, 'unionpay-ca.json');
  let ca: CaFile;
  if (file !== undefined && existsSync(file)) {
    ca = JSON.parse(readFileSync(file, 'utf8')) as CaFile;
    // Re-issue only the signing certificate, from the same middle CA: accounts keep their
    // root_cert / middle_cert and merchants their PFX.
    if (!hasSandboxSignerCn(ca.signCertPem) && dataDir !== undefined) {
      ca = { ...ca, ...issueSignCert(ca.middlePem, ca.middleKeyPem) };
      writeCa(dataDir, file, ca);
    }
  } else {
    ca = createCa();
    if (file !== undefined && dataDir !== undefined) writeCa(dataDir, file, ca);
  }
  return { ...ca, signKey: createPrivateKey(ca.signKeyPem) };
}

export interface MerchantCert {
  certPem: string;
  /** Decimal serial: what the merchant sends as certId. */
  certId: string;
  pfxBase64: string;
  password: string;
}

export function issueMerchantCert(ca: CaFile, merId: string): MerchantCert {
  const pair = rsaPemPair();
  const middle = forge.pki.certificateFromPem(ca.middlePem);
  const cert = issue({ cn: merchantCn(merId), publicKeyPem: pair.publicKeyPem, ca: false, issuer: { cert: middle, keyPem: ca.middleKeyPem } });
  const password = randomBytes(9).toString('base64url');
  const key = forge.pki.privateKeyFromPem(pair.privateKeyPem);
  const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert], password, { algorithm: '3des' });
  return {
    certPem: forge.pki.certificateToPem(cert),
    certId: BigInt(`0x${cert.serialNumber}`).toString(10),
    pfxBase64: forge.util.encode64(forge.asn1.toDer(p12).getBytes()),
    password,
  };
}
