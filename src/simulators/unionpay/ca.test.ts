// A data dir from before the signer carried its owner field (CN "中国银联股份有限公司", which
// the official SDKs' '@' split cannot read) gets a new signing certificate from the same
// middle CA at start; root and middle stay, so existing accounts' root_cert/middle_cert and
// merchants' PFX files keep working.
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, describe, expect, it } from 'vitest';
import { issue, loadOrCreateCa, SANDBOX_SIGNER_CN, type CaFile } from './ca.js';

const dir = mkdtempSync(join(tmpdir(), 'unionpay-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sandbox CA file', () => {
  it('re-issues a signing certificate without the owner field, keeping root and middle', () => {
    const first = loadOrCreateCa(dir);
    expect(new X509Certificate(first.signCertPem).toLegacyObject().subject.CN).toBe(SANDBOX_SIGNER_CN);
    const file = join(dir, 'unionpay-ca.json');
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const old = issue({ cn: '中国银联股份有限公司', publicKeyPem: publicKey, ca: false, issuer: { cert: forge.pki.certificateFromPem(first.middlePem), keyPem: first.middleKeyPem } });
    const stale: CaFile = { ...(JSON.parse(readFileSync(file, 'utf8')) as CaFile), signCertPem: forge.pki.certificateToPem(old), signKeyPem: privateKey };
    writeFileSync(file, JSON.stringify(stale));

    const again = loadOrCreateCa(dir);
    const cert = new X509Certificate(again.signCertPem);
    expect(cert.toLegacyObject().subject.CN).toBe(SANDBOX_SIGNER_CN);
    expect(cert.verify(new X509Certificate(first.middlePem).publicKey)).toBe(true);
    expect([again.rootPem, again.middlePem]).toEqual([first.rootPem, first.middlePem]);
    expect(again.signKeyPem).not.toBe(privateKey);
    // Written back: the next start signs with the same new certificate.
    expect(loadOrCreateCa(dir).signCertPem).toBe(again.signCertPem);
  });
});
