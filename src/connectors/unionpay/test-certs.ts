// Test support only (not used at runtime): certificates and the ACP oracle written out
// step by step with node:crypto, sharing no code with the connector or the simulator.
import crypto from 'node:crypto';
import forge from 'node-forge';

export interface TestCert { certPem: string; keyPem: string; cert: forge.pki.Certificate }

const DAY = 86_400_000;

/** Subject CN(s) as UTF8String: UnionPay's signer CN carries Chinese (中国银联股份有限公司). Several = several CN attributes. */
export function makeCert(cn: string | string[], opts: { issuer?: TestCert; ca: boolean; from?: number; to?: number }): TestCert {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = `1${crypto.randomBytes(7).toString('hex')}`;
  cert.validity.notBefore = new Date(opts.from ?? Date.now() - DAY);
  cert.validity.notAfter = new Date(opts.to ?? Date.now() + 365 * DAY);
  // forge UTF-8-encodes a UTF8String value itself: pass the JS string as is.
  const subject = (Array.isArray(cn) ? cn : [cn]).map((value) => ({ name: 'commonName', value, valueTagClass: forge.asn1.Type.UTF8 as number }));
  cert.setSubject(subject);
  cert.setIssuer(opts.issuer ? opts.issuer.cert.subject.attributes : subject);
  cert.setExtensions([{ name: 'basicConstraints', cA: opts.ca, critical: true }, { name: 'keyUsage', critical: true, ...(opts.ca ? { keyCertSign: true } : { digitalSignature: true }) }]);
  cert.sign(forge.pki.privateKeyFromPem(opts.issuer?.keyPem ?? privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKey, cert };
}

export function makePfx(c: TestCert, password: string): string {
  const p12 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(c.keyPem), [c.cert], password, { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary').toString('base64');
}

/**
 * Subject CNs as UnionPay's CA writes them, `<n>@<id>@<owner>@<n>`: the official SDKs take
 * the third '@' field as the owner. Production signer: 中国银联股份有限公司; test
 * environment signer: 00040000:SIGN (shape of the real test certificate's CN).
 */
export const SIGNER_CN = '041@Z12@中国银联股份有限公司@00000001';
export const TEST_SIGNER_CN = '041@Z12@00040000:SIGN@00000062';
export const MERCHANT_CN = '041@Z777290058110048@Test Merchant Ltd@00000001';

/** A complete test PKI: a trusted chain, an expired signer, a foreign chain, a self-signed signer, a merchant. */
export function testPki() {
  const root = makeCert('Test Root', { ca: true });
  const middle = makeCert('Test Middle', { ca: true, issuer: root });
  const signer = makeCert(SIGNER_CN, { ca: false, issuer: middle });
  const expired = makeCert(SIGNER_CN, { ca: false, issuer: middle, from: Date.now() - 400 * DAY, to: Date.now() - DAY });
  const foreignRoot = makeCert('Test Root', { ca: true });
  const foreignMiddle = makeCert('Test Middle', { ca: true, issuer: foreignRoot });
  const foreign = makeCert(SIGNER_CN, { ca: false, issuer: foreignMiddle });
  const selfSigned = makeCert(SIGNER_CN, { ca: false });
  // Issued by the trusted middle CA, like UnionPay's real CA issues merchants' signing certificates.
  const merchant = makeCert(MERCHANT_CN, { ca: false, issuer: middle });
  return { root, middle, signer, expired, foreign, selfSigned, merchant };
}

/** Oracle: canonical string → sha256 → lowercase hex → SHA256withRSA over the hex text → base64. */
export function oracleSign(fields: Record<string, string>, keyPem: string): string {
  const text = Object.keys(fields).filter((k) => k !== 'signature' && fields[k] !== '').sort().map((k) => `${k}=${fields[k]}`).join('&');
  const hex = crypto.createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
  return crypto.sign('sha256', Buffer.from(hex, 'utf8'), crypto.createPrivateKey(keyPem)).toString('base64');
}

/** Oracle verification, chain first: issuer's key signed the cert, cert valid now, then the signature. */
export function oracleVerify(fields: Record<string, string>, rootPem: string, middlePem: string): boolean {
  const cert = new crypto.X509Certificate(fields.signPubKeyCert ?? '');
  const middle = new crypto.X509Certificate(middlePem);
  const root = new crypto.X509Certificate(rootPem);
  if (!cert.verify(middle.publicKey) || !middle.verify(root.publicKey)) return false;
  if (Date.parse(cert.validTo) < Date.now() || Date.parse(cert.validFrom) > Date.now()) return false;
  const text = Object.keys(fields).filter((k) => k !== 'signature' && fields[k] !== '').sort().map((k) => `${k}=${fields[k]}`).join('&');
  const hex = crypto.createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
  return crypto.verify('sha256', Buffer.from(hex, 'utf8'), cert.publicKey, Buffer.from(fields.signature ?? '', 'base64'));
}

/** Raw k=v& as UnionPay answers synchronously. */
export function rawBody(fields: Record<string, string>): string {
  return Object.entries(fields).map(([k, v]) => `${k}=${v}`).join('&');
}
