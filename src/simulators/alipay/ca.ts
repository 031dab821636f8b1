// Certificate mode (公钥证书模式) of the sandbox: a CA of its own shaped like Alipay's — two RSA
// roots (one sha256WithRSA, one legacy sha1WithRSA, both counted in alipay_root_cert_sn), a
// "Class 1" CA issuing Alipay's own signing certificates and a "Class 2" CA issuing app
// certificates. Generated at first start and kept in <dataDir>/alipay-ca.json, because
// merchants configure its files. Keys come from node:crypto; node-forge builds the X.509.
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { positiveSerialHex, rsaPemPair } from '../common/certs.js';

const YEAR_MS = 365 * 24 * 3600_000;

export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

export interface AlipaySigningCert extends IssuedCert {
  sn: string;
  /** Epoch ms from which answers are signed with it (a rotation may announce it ahead). */
  activeFrom: number;
}

export interface CaFile {
  root: IssuedCert;
  legacyRoot: IssuedCert;
  class1: IssuedCert;
  class2: IssuedCert;
  /** Oldest first; the signing certificate is the newest already active. */
  alipayCerts: AlipaySigningCert[];
}

/** Positive 128-bit serials, like Alipay's. */
const serialHex = (): string => positiveSerialHex(16);

interface IssueOptions {
  subject: forge.pki.CertificateField[];
  publicKeyPem: string;
  issuer?: IssuedCert;
  ca: boolean;
  years: number;
  sha1?: boolean;
}

function issue(o: IssueOptions, selfKeyPem?: string): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(o.publicKeyPem);
  cert.serialNumber = serialHex();
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600_000);
  cert.validity.notAfter = new Date(Date.now() + o.years * YEAR_MS);
  cert.setSubject(o.subject);
  cert.setIssuer(o.issuer ? forge.pki.certificateFromPem(o.issuer.certPem).subject.attributes : o.subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: o.ca, critical: true },
    { name: 'keyUsage', critical: true, ...(o.ca ? { keyCertSign: true, cRLSign: true } : { digitalSignature: true, nonRepudiation: true, keyEncipherment: true }) },
    { name: 'subjectKeyIdentifier' },
  ]);
  const signer = o.issuer?.keyPem ?? selfKeyPem;
  if (signer === undefined) throw new Error('a self-signed certificate needs its own key');
  cert.sign(forge.pki.privateKeyFromPem(signer) as forge.pki.rsa.PrivateKey, o.sha1 ? forge.md.sha1.create() : forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

const utf8 = forge.asn1.Type.UTF8 as number;
function dn(cn: string, ou = 'Certification Authority'): forge.pki.CertificateField[] {
  return [
    { name: 'countryName', value: 'CN' },
    { name: 'organizationName', value: 'Paygate Sandbox Alipay' },
    { name: 'organizationalUnitName', value: ou },
    // UTF8String like Alipay's own certificates (app certificates carry Chinese names).
    { name: 'commonName', value: forge.util.encodeUtf8(cn), valueTagClass: utf8 },
  ];
}

function ca(cn: string, issuer: IssuedCert | undefined, years: number, sha1 = false): IssuedCert {
  const pair = rsaPemPair();
  const certPem = issue({ subject: dn(cn), publicKeyPem: pair.publicKeyPem, ca: true, years, sha1, ...(issuer ? { issuer } : {}) }, pair.privateKeyPem);
  return { certPem, keyPem: pair.privateKeyPem };
}

/**
 * The SN as Alipay computes it, written independently of the gateway's connector: md5 of
 * the issuer DN ("CN=…,OU=…,O=…,C=…", attributes in reverse order) followed by the decimal serial.
 */
export function sandboxCertSn(certPem: string): string {
  const cert = forge.pki.certificateFromPem(certPem);
  const issuer = [...cert.issuer.attributes].reverse().map((a) => `${a.shortName ?? ''}=${forge.util.decodeUtf8(String(a.value))}`).join(',');
  return createHash('md5').update(issuer + BigInt(`0x${cert.serialNumber}`).toString(10), 'utf8').digest('hex');
}

export function newAlipaySigningCert(file: Pick<CaFile, 'class1'>, activeFrom: number): AlipaySigningCert {
  const pair = rsaPemPair();
  const certPem = issue({ subject: dn('支付宝(中国)网络技术有限公司-沙箱', 'Alipay'), publicKeyPem: pair.publicKeyPem, ca: false, years: 3, issuer: file.class1 });
  return { certPem, keyPem: pair.privateKeyPem, sn: sandboxCertSn(certPem), activeFrom };
}

function createCa(): CaFile {
  const root = ca('Paygate Sandbox Alipay Root CA R1', undefined, 20);
  const legacyRoot = ca('Paygate Sandbox Alipay Root CA (SHA-1)', undefined, 20, true);
  const class1 = ca('Paygate Sandbox Alipay CA Class 1 R1', root, 10);
  const class2 = ca('Paygate Sandbox Alipay CA Class 2 R1', root, 10);
  return { root, legacyRoot, class1, class2, alipayCerts: [newAlipaySigningCert({ class1 }, 0)] };
}

/**
 * The sandbox CA and Alipay's certificates, with the keys parsed once. Created on first use:
 * generating it costs five RSA keys, which public-key-mode sandboxes never need.
 */
export class SandboxCa {
  private readonly keys = new Map<string, KeyObject>();
  private loaded: CaFile | undefined;
  private rootSnMemo: string | undefined;
  private readonly path: string | undefined;

  constructor(dataDir: string | undefined) {
    this.path = dataDir === undefined ? undefined : join(dataDir, 'alipay-ca.json');
  }

  private get file(): CaFile {
    if (this.loaded) return this.loaded;
    if (this.path !== undefined && existsSync(this.path)) {
      this.loaded = JSON.parse(readFileSync(this.path, 'utf8')) as CaFile;
    } else {
      this.loaded = createCa();
      this.save();
    }
    return this.loaded;
  }

  /** alipayRootCert.crt: every root, the RSA ones counting for alipay_root_cert_sn. */
  rootBundle(): string {
    return this.file.root.certPem + this.file.legacyRoot.certPem;
  }

  /** SN of each RSA root in bundle order, joined with "_". */
  rootSn(): string {
    this.rootSnMemo ??= [this.file.root.certPem, this.file.legacyRoot.certPem].map(sandboxCertSn).join('_');
    return this.rootSnMemo;
  }

  /** alipayCertPublicKey_RSA2.crt: the leaf, then the CA that issued it, as Alipay ships it. */
  alipayCertFile(cert: AlipaySigningCert): string {
    return cert.certPem + this.file.class1.certPem;
  }

  certs(): readonly AlipaySigningCert[] {
    return this.file.alipayCerts;
  }

  /** The certificate answers and notifications are signed with at `now`. */
  current(now: number): { cert: AlipaySigningCert; key: KeyObject } {
    const active = this.file.alipayCerts.filter((c) => c.activeFrom <= now);
    const cert = active[active.length - 1] ?? this.file.alipayCerts[0];
    if (!cert) throw new Error('sandbox CA has no Alipay certificate');
    let key = this.keys.get(cert.sn);
    if (!key) {
      key = createPrivateKey(cert.keyPem);
      this.keys.set(cert.sn, key);
    }
    return { cert, key };
  }

  /** A new Alipay signing certificate, used from `activeFrom`; the old ones stay valid and downloadable. */
  rotate(activeFrom: number): AlipaySigningCert {
    const cert = newAlipaySigningCert(this.file, activeFrom);
    this.file.alipayCerts.push(cert);
    this.save();
    return cert;
  }

  /** appCertPublicKey_<app_id>.crt for an app's public key, issued by the Class 2 CA. */
  issueAppCert(appId: string, publicKeyPem: string): { certPem: string; sn: string } {
    const certPem = issue({ subject: dn(`沙箱应用-${appId}`, 'Alipay'), publicKeyPem, ca: false, years: 5, issuer: this.file.class2 });
    return { certPem, sn: sandboxCertSn(certPem) };
  }

  private save(): void {
    if (this.path === undefined || this.loaded === undefined) return;
    mkdirSync(join(this.path, '..'), { recursive: true });
    // Write-then-rename: a crash mid-write must not leave a half CA that the next start trusts.
    writeFileSync(`${this.path}.tmp`, JSON.stringify(this.loaded), { mode: 0o600 });
    renameSync(`${this.path}.tmp`, this.path);
  }
}
