/**
 * Certificate-mode credentials: parsed once, SNs as alipay-sdk computes them from the same
 * files, and every mix-up a merchant can make with the three files refused with a message
 * that names the file to paste. Certificates come from the simulator's CA (node-forge).
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AlipaySdk } from 'alipay-sdk';
import { describe, expect, it } from 'vitest';
import { SandboxCa } from '../../simulators/alipay/ca.js';
import { alipayConnector } from './index.js';
import { rejection } from './testkit.js';

const APP_ID = '2021000000000077';
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const appPublicPem = app.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const appPrivatePem = app.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const ca = new SandboxCa(undefined);
const appCert = ca.issueAppCert(APP_ID, appPublicPem);
const first = ca.current(Date.now()).cert;
const good = { app_id: APP_ID, private_key: appPrivatePem, app_cert: appCert.certPem, alipay_public_cert: ca.alipayCertFile(first), alipay_root_cert: ca.rootBundle() };

describe('certificate-mode credentials', () => {
  it('computes app_cert_sn, alipay_root_cert_sn and alipay_cert_sn exactly as alipay-sdk does from the same files', () => {
    const c = alipayConnector.parseCredentials(good);
    if (c.mode !== 'certificate') throw new Error('expected certificate mode');
    const sdk = new AlipaySdk({ appId: APP_ID, privateKey: appPrivatePem, appCertContent: good.app_cert, alipayPublicCertContent: good.alipay_public_cert, alipayRootCertContent: good.alipay_root_cert });
    expect(c.cert.appCertSn).toBe(sdk.config.appCertSn);
    expect(c.cert.rootCertSn).toBe(sdk.config.alipayRootCertSn);
    expect([...c.cert.alipayCerts.keys()]).toEqual([sdk.config.alipayCertSn]);
    // Two RSA roots (sha256WithRSA and sha1WithRSA) both count.
    expect(c.cert.rootCertSn).toMatch(/^[0-9a-f]{32}_[0-9a-f]{32}$/);
    expect(c.cert.rootCertSn).toBe(ca.rootSn());
    expect(c.cert.appCertSn).toBe(appCert.sn);
    // The key extracted from the certificate is the one the SDK loads (loadPublicKey).
    const key = c.cert.alipayCerts.get(first.sn)?.key;
    expect(key?.export({ type: 'spki', format: 'der' }).toString('base64')).toBe(sdk.config.alipayPublicKey.replace(/-----[A-Z ]+-----|\n/g, ''));
  });

  it('accepts several Alipay certificates (rotation), PEM with literal \\n, and leaves public-key mode alone', () => {
    const next = ca.rotate(Date.now() + 3600_000);
    const c = alipayConnector.parseCredentials({ ...good, alipay_public_cert: [good.alipay_public_cert, ca.alipayCertFile(next)], app_cert: good.app_cert.replace(/\n/g, '\\n') });
    if (c.mode !== 'certificate') throw new Error('expected certificate mode');
    expect([...c.cert.alipayCerts.keys()]).toEqual([first.sn, next.sn]);
    const pk = alipayConnector.parseCredentials({ app_id: APP_ID, private_key: appPrivatePem, alipay_public_key: createPublicKey(first.keyPem).export({ type: 'spki', format: 'pem' }) });
    expect(pk.mode).toBe('public_key');
  });

  it('refuses mixing the modes and names missing files', () => {
    expect(rejection({ ...good, alipay_public_key: appPublicPem }).field).toBe('alipay_public_key');
    for (const field of ['app_cert', 'alipay_public_cert', 'alipay_root_cert'] as const) {
      const { [field]: _dropped, ...rest } = good;
      const e = rejection(rest);
      expect(e.field).toBe(field);
      expect(e.message).toContain(field);
    }
  });

  it('refuses an app certificate for another key, and the app certificate pasted as Alipay\'s', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(rejection({ ...good, app_cert: ca.issueAppCert(APP_ID, other).certPem }).message).toMatch(/app_cert does not certify the public key of private_key/);
    expect(rejection({ ...good, alipay_public_cert: good.app_cert }).message).toMatch(/is the app certificate/);
  });

  it('refuses an Alipay certificate that does not chain to the configured root', () => {
    const stranger = new SandboxCa(undefined);
    const foreign = stranger.alipayCertFile(stranger.current(Date.now()).cert);
    expect(rejection({ ...good, alipay_public_cert: foreign }).message).toMatch(/does not chain to alipay_root_cert/);
    expect(rejection({ ...good, alipay_public_cert: [good.alipay_public_cert, foreign] }).field).toBe('alipay_public_cert[1]');
    // The real production root cannot vouch for a sandbox certificate either.
    const production = readFileSync(new URL('./test-fixtures/alipayRootCert.crt', import.meta.url), 'utf8');
    expect(rejection({ ...good, alipay_root_cert: production }).message).toMatch(/does not chain/);
    // Without the issuing CA in the file, the leaf alone does not reach the root.
    const leafOnly = good.alipay_public_cert.slice(0, good.alipay_public_cert.indexOf('-----END CERTIFICATE-----') + 25);
    expect(rejection({ ...good, alipay_public_cert: leafOnly }).message).toMatch(/does not chain/);
  });

  it('refuses roots that are not CAs, a root pasted as the Alipay certificate, junk and duplicates', () => {
    expect(rejection({ ...good, alipay_root_cert: good.app_cert }).message).toMatch(/not a CA/);
    expect(rejection({ ...good, alipay_public_cert: ca.rootBundle() }).message).toMatch(/starts with a CA certificate/);
    expect(rejection({ ...good, app_cert: `${good.app_cert}\n${appPrivatePem}` }).message).toMatch(/outside its certificate blocks/);
    expect(rejection({ ...good, app_cert: 'MIIB' }).message).toMatch(/no "BEGIN CERTIFICATE"/);
    expect(rejection({ ...good, app_cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }).message).toMatch(/not a valid X\.509/);
    expect(rejection({ ...good, alipay_public_cert: [good.alipay_public_cert, good.alipay_public_cert] }).message).toMatch(/repeats/);
    expect(rejection({ ...good, alipay_public_cert: [] }).field).toBe('alipay_public_cert');
  });
});
