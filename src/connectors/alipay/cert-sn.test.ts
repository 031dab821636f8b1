/**
 * SN rules against two oracles: alipay-sdk (its constructor computes appCertSn,
 * alipayCertSn and alipayRootCertSn from PEM content) and the root SN Alipay's production
 * gateway accepts, 687b…_0294…, which every SDK and integration guide quotes for the real
 * alipayRootCert.crt. test-fixtures/ holds that public root bundle (SM2, RSA R1, ECC E1,
 * RSA iTrusChina) and an expired sandbox app/Alipay certificate pair, as published in the
 * go-pay/gopay repository.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AlipaySdk } from 'alipay-sdk';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { certFacts, certSn, isRsaSigned, rootCertSn } from './cert-sn.js';

const fixture = (name: string) => readFileSync(new URL(`./test-fixtures/${name}`, import.meta.url), 'utf8');
const ROOT = fixture('alipayRootCert.crt');
const ALIPAY = fixture('alipayPublicCert-sandbox.crt');
const APP = fixture('appPublicCert-sandbox.crt');
const PRODUCTION_ROOT_SN = '687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6';

const pems = (text: string) => text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
const der = (pem: string) => new X509Certificate(pem).raw;
const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

function sdkSns(app: string, alipay: string, root: string) {
  const sdk = new AlipaySdk({ appId: '2021000000000001', privateKey, appCertContent: app, alipayPublicCertContent: alipay, alipayRootCertContent: root });
  return { app: sdk.config.appCertSn, alipay: sdk.config.alipayCertSn, root: sdk.config.alipayRootCertSn };
}

/** A certificate with a chosen issuer, serial and signature digest, built with node-forge. */
function forgeCert(issuer: forge.pki.CertificateField[], serialHex: string, md: 'sha1' | 'sha256' | 'md5' = 'sha256'): string {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 1024, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialHex;
  cert.validity.notBefore = new Date('2024-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2034-01-01T00:00:00Z');
  cert.setSubject([{ name: 'commonName', value: 'leaf' }]);
  cert.setIssuer(issuer);
  cert.sign(keys.privateKey, forge.md[md].create());
  return forge.pki.certificateToPem(cert);
}

describe('Alipay certificate SNs', () => {
  it('the real production root bundle gives the root SN Alipay accepts, as alipay-sdk computes it', () => {
    const facts = pems(ROOT).map((p) => certFacts(der(p)));
    expect(facts.map(isRsaSigned)).toEqual([false, true, false, true]);
    expect(rootCertSn(facts)).toBe(PRODUCTION_ROOT_SN);
    expect(sdkSns(APP, ALIPAY, ROOT).root).toBe(PRODUCTION_ROOT_SN);
  });

  it('app and Alipay certificate SNs equal alipay-sdk\'s (first certificate of each file)', () => {
    const sdk = sdkSns(APP, ALIPAY, ROOT);
    expect(certSn(certFacts(der(pems(APP)[0] ?? '')))).toBe(sdk.app);
    expect(certSn(certFacts(der(pems(ALIPAY)[0] ?? '')))).toBe(sdk.alipay);
    expect(sdk.app).not.toBe(sdk.alipay);
  });

  it('reads the issuer DN in reverse order and the serial in decimal', () => {
    const facts = certFacts(der(pems(ALIPAY)[0] ?? ''));
    expect(facts.issuerDn).toBe('CN=Ant Financial Certification Authority Class 2 R1 test,OU=Certification Authority test,O=Ant Financial test,C=CN');
    expect(facts.serialDecimal).toBe(BigInt('0x20230609834AC2C96820A8BC5CC95483').toString(10));
  });

  it('matches alipay-sdk for UTF-8 issuers, every supported attribute, small and leading-zero serials, sha1/md5 RSA roots', () => {
    const issuer: forge.pki.CertificateField[] = [
      { name: 'countryName', value: 'CN' },
      { name: 'stateOrProvinceName', value: 'Zhejiang' },
      { name: 'localityName', value: 'Hangzhou' },
      { name: 'organizationName', value: forge.util.encodeUtf8('蚂蚁科技集团股份有限公司'), valueTagClass: forge.asn1.Type.UTF8 as number },
      { name: 'organizationalUnitName', value: 'CA' },
      { name: 'commonName', value: 'Test CA' },
      { name: 'emailAddress', value: 'ca@example.com' },
    ];
    for (const serial of ['01', '00ff', '7fffffffffffffffffffffffffffffff']) {
      const leaf = forgeCert(issuer, serial);
      const roots = [forgeCert(issuer, '0a', 'sha1'), forgeCert(issuer, '0b', 'md5'), forgeCert(issuer, '0c')];
      const sdk = sdkSns(leaf, leaf, roots.join('\n'));
      expect(certSn(certFacts(der(leaf)))).toBe(sdk.app);
      expect(rootCertSn(roots.map((r) => certFacts(der(r))))).toBe(sdk.root);
    }
  });

  it('cannot spell an issuer attribute the SDKs disagree on, but only says so when that SN is needed', () => {
    const odd = forgeCert([{ name: 'serialNumber', value: '42' }, { name: 'commonName', value: 'x' }], '05');
    const facts = certFacts(der(odd));
    expect(facts.issuerDn).toBeUndefined();
    expect(() => certSn(facts)).toThrow(/2\.5\.4\.5/);
  });

  it('refuses a negative serial and input that is not a certificate', () => {
    expect(() => certFacts(der(forgeCert([{ name: 'commonName', value: 'x' }], 'ff01')))).toThrow(/positive/);
    expect(() => certFacts(Buffer.from('3003020101', 'hex'))).toThrow();
    expect(() => certFacts(Buffer.from('30820fff', 'hex'))).toThrow(/length|past/);
  });
});
