/**
 * Alipay's certificate serial numbers (公钥证书模式): app_cert_sn, alipay_cert_sn and
 * alipay_root_cert_sn. A certificate's SN is md5_hex(issuer DN + decimal serial), the DN
 * written as the official SDKs write it: attributes in reverse order as "CN=…,OU=…,O=…,C=…".
 * The root SN joins the SNs of the RSA-signed certificates of Alipay's root bundle with "_"
 * (its SM2 and ECC roots are skipped).
 *
 * Node's X509Certificate only offers the issuer as display text (escaped, multi-line), so
 * the issuer Name and the serial are read from the DER here: the SN must be byte-exact.
 */
import { createHash } from 'node:crypto';

interface Tlv {
  tag: number;
  /** Offset of the content and its end, in the buffer being read. */
  start: number;
  end: number;
  /** Offset of the whole element (tag byte) — for slicing nested structures. */
  headerStart: number;
}

function readTlv(der: Buffer, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new SyntaxError('truncated DER');
  const tag = der[at] ?? 0;
  let len = der[at + 1] ?? 0;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    // Certificates are far smaller than 2^32 bytes; indefinite lengths are not DER.
    if (n === 0 || n > 4 || start + n > limit) throw new SyntaxError('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] ?? 0);
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new SyntaxError('DER element runs past its parent');
  return { tag, start, end, headerStart: at };
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = readTlv(der, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

function oidText(bytes: Buffer): string {
  const parts: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

// The short names both official SDKs write for these attribute types (alipay-sdk via
// @fidm/x509, Java via X500Principal RFC 2253). Others have no agreed spelling.
const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'E',
};

// UTF8String, NumericString, PrintableString, T61String, IA5String: read as UTF-8 text.
const TEXT_TAGS = new Set([0x0c, 0x12, 0x13, 0x14, 0x16]);

export interface CertFacts {
  /** "CN=…,OU=…,O=…,C=…" as the SDKs build it; undefined with issuerProblem when it cannot be. */
  issuerDn: string | undefined;
  issuerProblem?: string;
  serialDecimal: string;
  /** Outer signatureAlgorithm OID: decides whether a root counts for alipay_root_cert_sn. */
  signatureOid: string;
}

/** Issuer DN, serial and signature algorithm of one DER certificate; throws with a reason. */
export function certFacts(der: Buffer): CertFacts {
  const cert = readTlv(der, 0, der.length);
  const [tbs, sigAlg] = children(der, cert);
  if (cert.tag !== 0x30 || tbs?.tag !== 0x30 || sigAlg?.tag !== 0x30) throw new SyntaxError('not an X.509 certificate');
  const fields = children(der, tbs);
  // version is [0] EXPLICIT and absent for v1 certificates.
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serial = fields[offset];
  const issuer = fields[offset + 2];
  if (serial?.tag !== 0x02 || issuer?.tag !== 0x30) throw new SyntaxError('not an X.509 certificate');
  const serialBytes = der.subarray(serial.start, serial.end);
  if (serialBytes.length === 0 || ((serialBytes[0] ?? 0) & 0x80) !== 0) throw new SyntaxError('serial number is not a positive integer (RFC 5280)');
  const serialDecimal = BigInt(`0x${serialBytes.toString('hex')}`).toString(10);
  const oid = children(der, sigAlg)[0];
  if (oid?.tag !== 0x06) throw new SyntaxError('signature algorithm has no OID');

  const signatureOid = oidText(der.subarray(oid.start, oid.end));
  const dn = issuerDn(der, issuer);
  return typeof dn === 'string' ? { issuerDn: dn, serialDecimal, signatureOid } : { issuerDn: undefined, issuerProblem: dn.problem, serialDecimal, signatureOid };
}

/**
 * A problem is returned, not thrown: the SM2/ECC roots of Alipay's bundle never need an SN,
 * so an issuer spelled in a way the rules do not cover only matters for certificates that do.
 */
function issuerDn(der: Buffer, issuer: Tlv): string | { problem: string } {
  const attributes: string[] = [];
  for (const rdn of children(der, issuer)) {
    for (const atv of children(der, rdn)) {
      const [type, value] = children(der, atv);
      if (type?.tag !== 0x06 || value === undefined) throw new SyntaxError('malformed issuer attribute');
      const typeOid = oidText(der.subarray(type.start, type.end));
      const name = SHORT_NAMES[typeOid];
      if (name === undefined) return { problem: `issuer attribute ${typeOid} has no short name the Alipay SDKs agree on` };
      if (!TEXT_TAGS.has(value.tag)) return { problem: `issuer ${name} uses ASN.1 string type ${value.tag}, which the SN rules do not cover` };
      attributes.push(`${name}=${der.subarray(value.start, value.end).toString('utf8')}`);
    }
  }
  return attributes.reverse().join(',');
}

/** Throws (SyntaxError with the reason) for an issuer the SN rules cannot spell. */
export function certSn(facts: CertFacts): string {
  if (facts.issuerDn === undefined) throw new SyntaxError(facts.issuerProblem ?? 'issuer cannot be spelled');
  return createHash('md5').update(facts.issuerDn + facts.serialDecimal, 'utf8').digest('hex');
}

/** PKCS#1 signature algorithms (sha1WithRSA, sha256WithRSA, …): the roots that count. */
export function isRsaSigned(facts: CertFacts): boolean {
  return facts.signatureOid.startsWith('1.2.840.113549.1.1.');
}

/** alipay_root_cert_sn of a root bundle, in file order; '' when it holds no RSA root. */
export function rootCertSn(roots: readonly CertFacts[]): string {
  return roots.filter(isRsaSigned).map(certSn).join('_');
}
